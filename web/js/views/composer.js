// Alert composer: CAP XML from an incident's proposal (or typed), validated live by the
// server as the user types, saved as a draft for approval.
import { h, mount, debounce } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import * as session from '../session.js';
import { errorBox, errorText, field, visibilitySelect, exerciseBadge } from '../common.js';

const VALIDATE_DELAY_MS = 350;

function text(doc, name) {
  return doc.getElementsByTagNameNS('*', name)[0]?.textContent?.trim() || '';
}

/** A short, readable summary of the CAP message being edited. */
function preview(xml) {
  const doc = new DOMParser().parseFromString(xml || '', 'application/xml');
  if (!xml || doc.getElementsByTagName('parsererror').length) return h('p', { class: 'muted' }, t('compose.preview.unparsable'));
  const info = doc.getElementsByTagNameNS('*', 'info')[0];
  const rows = [
    ['compose.preview.status', text(doc, 'status')],
    ['compose.preview.msgType', text(doc, 'msgType')],
    ['compose.preview.sender', text(doc, 'sender')],
    ['compose.preview.event', info ? text(info, 'event') : ''],
    ['compose.preview.severity', info ? `${text(info, 'severity')} / ${text(info, 'urgency')} / ${text(info, 'certainty')}` : ''],
    ['compose.preview.headline', info ? text(info, 'headline') : ''],
    ['compose.preview.areas', String(doc.getElementsByTagNameNS('*', 'area').length)],
    ['compose.preview.languages', Array.from(doc.getElementsByTagNameNS('*', 'info')).map((i) => text(i, 'language') || 'en-US').join(', ')],
  ];
  const capStatus = text(doc, 'status');
  return h('div', {},
    capStatus === 'Exercise' ? exerciseBadge({ cap_status: 'Exercise' }) : null,
    h('table', {}, h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, t(k)), h('td', {}, v))))));
}

export async function renderComposer(main, { params, toast }) {
  const canDraft = session.hasRole('duty_officer');
  const fromIncident = params[0] === 'incident' ? Number(params[1]) : null;
  const reviseId = params[0] === 'alert' ? Number(params[1]) : null;

  const xmlArea = h('textarea', { name: 'xml', rows: 18, spellcheck: 'false', style: 'font-family: ui-monospace, monospace; font-size: .85rem', 'aria-describedby': 'compose-validation' });
  const validation = h('div', { id: 'compose-validation', 'aria-live': 'polite', 'data-state': 'idle' });
  const previewBox = h('div', { id: 'compose-preview' });
  const incidentSelect = h('select', { name: 'incident' }, h('option', { value: '' }, t('compose.noIncident')));
  const visibility = visibilitySelect(['own_org', 'regional'], 'own_org');
  const error = errorBox();
  const save = h('button', { class: 'btn', type: 'submit', id: 'compose-save', disabled: !canDraft }, reviseId ? t('compose.saveRevision') : t('compose.save'));
  const result = h('div', { id: 'compose-result', 'aria-live': 'polite' });
  let revising = null;

  // Live validation: only the newest response is shown.
  let validationSeq = 0;
  async function validate() {
    const xml = xmlArea.value;
    previewBox.replaceChildren(preview(xml));
    const seq = ++validationSeq;
    if (!xml.trim()) {
      validation.dataset.state = 'idle';
      mount(validation, h('p', { class: 'muted' }, t('compose.validation.empty')));
      return;
    }
    validation.dataset.state = 'checking';
    try {
      const res = await post('/api/alerts/validate', { xml }, { idempotent: false });
      if (seq !== validationSeq) return;
      const problems = res.problems || [];
      validation.dataset.state = res.valid ? 'valid' : 'invalid';
      xmlArea.setAttribute('aria-invalid', res.valid ? 'false' : 'true');
      mount(validation,
        h('p', { class: res.valid ? 'valid-msg' : 'field-error', style: res.valid ? 'color: var(--ok); font-weight: 700' : '' },
          res.valid ? t('compose.validation.valid') : t('compose.validation.invalid', { n: problems.filter((p) => p.level === 'error').length })),
        problems.length
          ? h('ul', { id: 'compose-problems' }, problems.map((p) =>
            h('li', { class: p.level === 'error' ? 'field-error' : 'muted' }, `${t(`compose.level.${p.level}`)}: ${p.message}`, p.path ? h('code', {}, ` [${p.path}]`) : null)))
          : null);
    } catch (err) {
      if (seq !== validationSeq) return;
      validation.dataset.state = 'error';
      mount(validation, h('p', { class: 'field-error' }, errorText(err)));
    }
  }
  const validateSoon = debounce(validate, VALIDATE_DELAY_MS);
  xmlArea.addEventListener('input', () => {
    validation.dataset.state = 'pending';
    validateSoon();
  });

  async function loadProposal(id) {
    if (!id) return;
    try {
      const res = await get(`/api/incidents/${id}/cap-proposal`);
      xmlArea.value = res.xml;
      await validate();
    } catch (err) {
      error.show(err);
    }
  }
  incidentSelect.addEventListener('change', () => loadProposal(Number(incidentSelect.value)));

  const form = h('form', {
    class: 'panel', id: 'compose-form', 'aria-labelledby': 'compose-title',
    onSubmit: async (ev) => {
      ev.preventDefault();
      error.clear();
      result.replaceChildren();
      const xml = xmlArea.value;
      if (!xml.trim()) {
        error.show(t('compose.validation.empty'));
        return;
      }
      save.disabled = true;
      try {
        let alert;
        if (revising) {
          alert = await post(`/api/alerts/${revising.id}/revise`, { xml });
        } else {
          const body = { xml, visibility: visibility.value };
          if (incidentSelect.value) body.incident_id = Number(incidentSelect.value);
          alert = await post('/api/alerts', body);
          revising = alert;
          // Further saves revise this draft; the address says so without re-rendering.
          history.replaceState(null, '', `#/compose/alert/${alert.id}`);
          incidentSelect.disabled = true;
          visibility.disabled = true;
        }
        toast(t('compose.saved', { id: alert.id }));
        mount(result, h('p', { id: 'compose-saved', 'data-alert-id': alert.id },
          t('compose.saved', { id: alert.id }), ' ', h('a', { href: '#/approvals' }, t('compose.toQueue'))));
        save.textContent = t('compose.saveRevision');
      } catch (err) {
        error.show(err);
      } finally {
        save.disabled = !canDraft;
      }
    },
  },
  h('h1', { id: 'compose-title' }, reviseId ? t('compose.reviseTitle', { id: reviseId }) : t('compose.title')),
  canDraft ? null : h('p', { class: 'field-error' }, t('compose.readOnly')),
  h('div', { class: 'form-row' },
    field('compose-incident', 'compose.incident', incidentSelect, 'compose.incidentHint'),
    reviseId ? null : field('compose-visibility', 'common.visibility', visibility)),
  field('compose-xml', 'compose.xml', xmlArea),
  error,
  h('div', { class: 'actions' }, save),
  result);

  mount(main, h('div', { class: 'grid-2' }, form,
    h('div', {},
      h('section', { class: 'panel' }, h('h2', {}, t('compose.validation.title')), validation),
      h('section', { class: 'panel' }, h('h2', {}, t('compose.preview.title')), previewBox))));

  try {
    const incidents = (await get('/api/incidents')).items || [];
    const me = session.user();
    for (const i of incidents.filter((x) => x.status === 'complete' && me && x.org === me.org)) {
      incidentSelect.append(h('option', { value: i.id }, `#${i.id} ${i.title}`));
    }
  } catch (err) {
    error.show(err);
  }

  if (reviseId) {
    try {
      revising = await get(`/api/alerts/${reviseId}`);
      xmlArea.value = revising.xml || '';
      if (revising.incident_id) incidentSelect.value = String(revising.incident_id);
      incidentSelect.disabled = true;
      if (revising.rejection) form.insertBefore(h('p', { class: 'field-error', role: 'alert' }, t('compose.rejected', { reason: revising.rejection })), error);
    } catch (err) {
      error.show(err);
    }
  } else if (fromIncident) {
    incidentSelect.value = String(fromIncident);
    await loadProposal(fromIncident);
  }
  await validate();
  return null;
}
