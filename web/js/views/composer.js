// Alert composer: a form over the CAP message (an incident's proposal, a draft being revised,
// or typed): urgency, severity and certainty with their CAP definitions, and each language's
// event, headline, description, instruction and area descriptions side by side. Every change
// is validated by the server, which answers with the page the public would read (shown per
// language, right to left for Urdu). The CAP XML itself is an advanced view, kept in step with
// the form; saving sends it as a draft for approval. The area is set on a map, from the
// incident's shaking, countries or a drawn outline (area_editor.js).
import { h, mount, debounce } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { get, post } from '../api.js';
import * as session from '../session.js';
import { errorBox, errorText, field, visibilitySelect, exerciseBadge } from '../common.js';
import { areaPanel } from '../area_editor.js';
import {
  CODES, TEXT_FIELDS, parseCap, serializeCap, infos, infoTexts, infoLanguage, isRtl, assessment,
  setAssessment, setInfoField, setAreaDesc, childText,
} from '../cap_form.js';

const VALIDATE_DELAY_MS = 350;

/** "Urdu (ur)" in the UI's language, or the code where the browser has no name for it. */
export function languageName(code) {
  try {
    const name = new Intl.DisplayNames([currentLang()], { type: 'language' }).of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

/** The message's status, type and languages in one line (with the EXERCISE badge). */
function summary(doc) {
  if (!doc) return h('p', { class: 'muted' }, t('compose.preview.unparsable'));
  const root = doc.documentElement;
  const capStatus = childText(root, 'status').trim();
  return h('p', { id: 'compose-summary' },
    capStatus === 'Exercise' ? exerciseBadge({ cap_status: 'Exercise' }) : null, ' ',
    [capStatus, childText(root, 'msgType').trim(), childText(root, 'scope').trim()].filter(Boolean).join(' · '),
    ' · ', t('compose.preview.languages'), ': ', infos(doc).map(infoLanguage).join(', '));
}

/**
 * The page the public would read, in a frame that runs no script (same origin only so that
 * this screen can open it at the block in the reader's language).
 */
export function previewFrame(id, html, title) {
  const frame = h('iframe', { id, class: 'cap-preview-frame', sandbox: 'allow-same-origin', title, srcdoc: html });
  frame.addEventListener('load', () => {
    const doc = frame.contentDocument;
    const block = doc?.querySelector(`section.cap-info[lang^="${currentLang()}"]`);
    if (block && frame.contentWindow) frame.contentWindow.scrollTo(0, block.offsetTop);
  });
  return frame;
}

export async function renderComposer(main, { params, toast }) {
  const canDraft = session.hasRole('duty_officer');
  const fromIncident = params[0] === 'incident' ? Number(params[1]) : null;
  const reviseId = params[0] === 'alert' ? Number(params[1]) : null;

  let doc = null;
  const xmlArea = h('textarea', { name: 'xml', rows: 18, spellcheck: 'false', class: 'code', 'aria-describedby': 'compose-validation' });
  const validation = h('div', { id: 'compose-validation', 'aria-live': 'polite', 'data-state': 'idle' });
  const summaryBox = h('div', {});
  const frameBox = h('div', { id: 'compose-preview-page' });
  const previewBox = h('div', { id: 'compose-preview' }, summaryBox, frameBox);
  const fields = h('div', { id: 'compose-fields' });
  const incidentSelect = h('select', { name: 'incident' }, h('option', { value: '' }, t('compose.noIncident')));
  const visibility = visibilitySelect(['own_org', 'regional'], 'own_org');
  const error = errorBox();
  const save = h('button', { class: 'btn', type: 'submit', id: 'compose-save', disabled: !canDraft }, reviseId ? t('compose.saveRevision') : t('compose.save'));
  const result = h('div', { id: 'compose-result', 'aria-live': 'polite' });
  let revising = null;
  // The area panel edits the document like the form does, in every language at once.
  const area = areaPanel({
    incidentId: () => Number(incidentSelect.value) || null,
    apply: (mutate) => {
      if (!doc) return;
      mutate(doc);
      renderFields();
      changed();
    },
  });
  const cleanup = () => area.dispose();

  // Live validation: only the newest response is shown.
  let validationSeq = 0;
  async function validate() {
    const xml = xmlArea.value;
    summaryBox.replaceChildren(summary(doc));
    const seq = ++validationSeq;
    if (!xml.trim()) {
      validation.dataset.state = 'idle';
      mount(validation, h('p', { class: 'muted' }, t('compose.validation.empty')));
      frameBox.replaceChildren();
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
        h('p', { class: res.valid ? 'valid-msg' : 'field-error' },
          res.valid ? t('compose.validation.valid') : t('compose.validation.invalid', { n: problems.filter((p) => p.level === 'error').length })),
        problems.length
          ? h('ul', { id: 'compose-problems' }, problems.map((p) =>
            h('li', { class: p.level === 'error' ? 'field-error' : 'muted' }, `${t(`compose.level.${p.level}`)}: ${p.message}`, p.path ? h('code', {}, ` [${p.path}]`) : null)))
          : null);
      frameBox.replaceChildren(res.preview_html
        ? previewFrame('compose-preview-frame', res.preview_html, t('compose.preview.frameTitle'))
        : h('p', { class: 'muted' }, t('compose.preview.none')));
    } catch (err) {
      if (seq !== validationSeq) return;
      validation.dataset.state = 'error';
      mount(validation, h('p', { class: 'field-error' }, errorText(err)));
    }
  }
  const validateSoon = debounce(validate, VALIDATE_DELAY_MS);

  /** The form changed the document: the XML follows, then validation. */
  function changed() {
    xmlArea.value = serializeCap(doc);
    area.update(doc);
    validation.dataset.state = 'pending';
    validateSoon();
  }

  function assessmentFields() {
    const now = assessment(doc);
    return h('fieldset', { id: 'compose-assessment', class: 'assessment' },
      h('legend', {}, t('compose.assessment')),
      Object.keys(CODES).map((name) => {
        const def = h('p', { class: 'muted cap-definition', id: `compose-${name}-def` });
        const showDef = (v) => { def.textContent = v ? t(`cap.${name}.${v}`) : ''; };
        const values = CODES[name].includes(now[name]) || !now[name] ? CODES[name] : [now[name], ...CODES[name]];
        const select = h('select', {
          'aria-describedby': def.id,
          onChange: () => {
            setAssessment(doc, name, select.value);
            showDef(select.value);
            changed();
          },
        }, values.map((v) => h('option', { value: v, selected: v === now[name] }, v)));
        showDef(now[name]);
        return h('div', { class: 'assessment-field' }, field(`compose-${name}`, `compose.${name}`, select), def);
      }));
  }

  function languageColumn(info, k) {
    const txt = infoTexts(info);
    const lang = txt.language;
    const dir = isRtl(lang) ? 'rtl' : 'ltr';
    const control = (f) => {
      const attrs = {
        lang, dir, 'data-field': f.name,
        onInput: (ev) => {
          setInfoField(info, f.name, ev.target.value, f.required);
          changed();
        },
      };
      const el = f.multiline ? h('textarea', { ...attrs, rows: f.name === 'description' ? 7 : 4 }) : h('input', { ...attrs, type: 'text' });
      el.value = txt[f.name];
      return field(`compose-${k}-${f.name}`, `compose.field.${f.name}`, el);
    };
    const areaInputs = txt.areas.map((desc, j) => {
      const el = h('input', {
        type: 'text', lang, dir, 'data-field': 'areaDesc',
        onInput: (ev) => {
          setAreaDesc(info, j, ev.target.value);
          changed();
        },
      });
      el.value = desc;
      return field(`compose-${k}-area-${j}`, 'compose.field.areaDesc', el);
    });
    return h('fieldset', { class: 'lang-column', 'data-lang': lang, lang, dir },
      h('legend', { dir: 'auto' }, languageName(lang)),
      TEXT_FIELDS.map(control),
      areaInputs);
  }

  /** Rebuilds the form from the document (after loading, or after an edit of the XML). */
  function renderFields() {
    if (!doc) {
      mount(fields, h('p', { class: 'muted', id: 'compose-fields-empty' },
        xmlArea.value.trim() ? t('compose.fieldsUnparsable') : t('compose.fieldsEmpty')));
      return;
    }
    mount(fields,
      assessmentFields(),
      h('h2', { class: 'section-title' }, t('compose.texts')),
      h('div', { class: 'lang-columns' }, infos(doc).map(languageColumn)));
  }

  function load(xml) {
    xmlArea.value = xml || '';
    doc = parseCap(xmlArea.value).doc || null;
    renderFields();
    area.update(doc);
  }

  xmlArea.addEventListener('input', () => {
    doc = parseCap(xmlArea.value).doc || null;
    renderFields();
    area.update(doc);
    validation.dataset.state = 'pending';
    validateSoon();
  });

  async function loadProposal(id) {
    if (!id) return;
    try {
      const res = await get(`/api/incidents/${id}/cap-proposal`);
      load(res.xml);
      await validate();
    } catch (err) {
      error.show(err);
    }
  }
  incidentSelect.addEventListener('change', () => {
    area.incidentChanged();
    loadProposal(Number(incidentSelect.value));
  });

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
  fields,
  area.el,
  h('details', { id: 'compose-advanced' },
    h('summary', {}, t('compose.advanced')),
    field('compose-xml', 'compose.xml', xmlArea)),
  error,
  h('div', { class: 'actions' }, save),
  result);

  mount(main, h('div', { class: 'composer' }, form,
    h('div', { class: 'composer-side' },
      h('section', { class: 'panel' }, h('h2', {}, t('compose.validation.title')), validation),
      h('section', { class: 'panel' }, h('h2', {}, t('compose.preview.title')), previewBox))));
  area.attach();

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
      load(revising.xml || '');
      if (revising.incident_id) incidentSelect.value = String(revising.incident_id);
      incidentSelect.disabled = true;
      if (revising.rejection) form.insertBefore(h('p', { class: 'field-error', role: 'alert' }, t('compose.rejected', { reason: revising.rejection })), error);
    } catch (err) {
      error.show(err);
    }
  } else if (fromIncident) {
    incidentSelect.value = String(fromIncident);
    area.incidentChanged();
    await loadProposal(fromIncident);
    return cleanup;
  } else {
    load('');
  }
  area.incidentChanged();
  await validate();
  return cleanup;
}
