// Approval queue and alert lifecycle: drafts awaiting a second person's approval, approved
// alerts awaiting publication, and published alerts (stable CAP URL, Atom feed, update/cancel).
// An approver reviews a message as the public will read it, each language on its own, with the
// incident's figures and what changed from the message it replaces.
import { h, mount } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { get, post } from '../api.js';
import * as sse from '../sse.js';
import * as session from '../session.js';
import { alertHeadline, exerciseBadge, statusPill, errorBox, errorText, fmtTime } from '../common.js';
import { CODES, parseCap, diffCap, isRtl } from '../cap_form.js';
import { previewFrame } from './composer.js';

/**
 * "Severity: …" (`approvals.severity`) with CAP's severity in the UI's language (the code
 * itself when it is not one of CAP's); empty without one.
 */
function severityLabel(code) {
  if (!code) return '';
  const name = CODES.severity.includes(code) ? t(`cap.severityName.${code}`) : code;
  return t('approvals.severity', { level: name });
}

const ALERT_EVENTS = ['alert.drafted', 'alert.revised', 'alert.approved', 'alert.rejected', 'alert.published', 'alert.superseded', 'alert.cancelled'];

const nf = () => new Intl.NumberFormat(currentLang());

/** The incident's figures an approver weighs the message against. */
function impactBox(incident) {
  const s = incident.summary || {};
  const f = s.fatalities || {};
  const rows = [[t('approvals.impact.level'), incident.alert_level ? t(`incident.level.${incident.alert_level}`) : '—']];
  if (Number.isFinite(s.max_mmi)) rows.push([t('approvals.impact.maxMmi'), s.max_mmi.toFixed(1)]);
  const probs = f.band_probabilities || [];
  const edges = f.band_edges || [];
  if (probs.length && edges.length === probs.length + 1) {
    const k = probs.indexOf(Math.max(...probs));
    const hi = edges[k + 1] === 'inf' ? '+' : `–${nf().format(edges[k + 1])}`;
    rows.push([t('approvals.impact.deathsBand'), `${nf().format(edges[k])}${hi} (${Math.round(probs[k] * 100)} %)`]);
  }
  return h('section', { class: 'review-impact', 'aria-label': t('approvals.impact.title') },
    h('h4', {}, t('approvals.impact.title'), ' ', h('a', { href: `#/incident/${incident.id}` }, `#${incident.id} ${incident.title}`)),
    h('table', {}, h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v))))));
}

/** What changed from the message this one replaces, field by field and language by language. */
function diffBox(beforeXml, afterXml, previousId) {
  const before = parseCap(beforeXml).doc;
  const after = parseCap(afterXml).doc;
  if (!before || !after) return null;
  const changes = diffCap(before, after);
  return h('section', { class: 'review-diff', id: 'review-diff' },
    h('h4', {}, t('approvals.diff.title', { id: previousId })),
    changes.length
      ? h('table', { class: 'diff-table' },
        h('thead', {}, h('tr', {}, ['approvals.diff.language', 'approvals.diff.field', 'approvals.diff.before', 'approvals.diff.after'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, changes.map((c) => {
          const dir = isRtl(c.language) ? 'rtl' : 'ltr';
          return h('tr', {},
            h('td', {}, c.language || '—'), h('td', {}, c.field),
            h('td', { class: 'diff-before', lang: c.language || null, dir }, c.before),
            h('td', { lang: c.language || null, dir }, c.after));
        })))
      : h('p', { class: 'muted' }, t('approvals.diff.none')));
}

/** The approver's view of a message: validity, impact, changes, the page per language, the XML. */
async function review(alert) {
  const full = await get(`/api/alerts/${alert.id}`);
  const check = await post('/api/alerts/validate', { xml: full.xml }, { idempotent: false });
  const parts = [
    h('p', { class: check.valid ? 'valid-msg' : 'field-error' },
      check.valid ? t('compose.validation.valid') : t('compose.validation.invalid', { n: (check.problems || []).filter((p) => p.level === 'error').length })),
    (check.problems || []).length ? h('ul', {}, check.problems.map((p) => h('li', {}, `${t(`compose.level.${p.level}`)}: ${p.message}`))) : null,
  ];
  if (full.incident_id) {
    try {
      parts.push(impactBox(await get(`/api/incidents/${full.incident_id}`)));
    } catch (err) {
      parts.push(h('p', { class: 'field-error' }, errorText(err)));
    }
  }
  if (full.supersedes) {
    try {
      const previous = await get(`/api/alerts/${full.supersedes}`);
      parts.push(diffBox(previous.xml, full.xml, full.supersedes));
    } catch (err) {
      parts.push(h('p', { class: 'field-error' }, errorText(err)));
    }
  }
  if (check.preview_html) {
    parts.push(h('h4', {}, t('approvals.page')),
      previewFrame(`review-frame-${alert.id}`, check.preview_html, t('compose.preview.frameTitle')));
  }
  parts.push(h('details', {}, h('summary', {}, t('compose.advanced')),
    h('pre', { class: 'log', style: 'max-height: 20rem' }, full.xml)));
  return parts;
}

export async function renderApprovals(main, { toast }) {
  const me = session.user();
  const isApprover = session.hasRole('approver');
  const isDuty = session.hasRole('duty_officer');
  const drafts = h('div', { id: 'queue-drafts' });
  const approved = h('div', { id: 'queue-approved' });
  const published = h('div', { id: 'queue-published' });

  async function act(alert, action, body, okKey) {
    try {
      await post(`/api/alerts/${alert.id}/${action}`, body);
      toast(t(okKey, { id: alert.id }));
      await refresh();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }

  function reviewPanel(alert) {
    const box = h('div', { class: 'review', hidden: true, id: `review-${alert.id}` });
    const toggle = h('button', {
      class: 'btn btn-secondary', type: 'button', 'aria-expanded': 'false', 'data-action': 'review',
      onClick: async () => {
        const open = box.hidden;
        box.hidden = !open;
        toggle.setAttribute('aria-expanded', String(open));
        if (!open || box.dataset.loaded) return;
        box.dataset.loaded = '1';
        try {
          mount(box, ...(await review(alert)));
        } catch (err) {
          mount(box, h('p', { class: 'field-error' }, errorText(err)));
        }
      },
    }, t('approvals.review'));
    return [toggle, box];
  }

  function card(alert, actions) {
    return h('article', { class: `card${exerciseBadge(alert) ? ' exercise-record' : ''}`, 'data-alert-id': alert.id, 'aria-labelledby': `alert-${alert.id}-h` },
      h('h3', { id: `alert-${alert.id}-h` }, `#${alert.id} `, alertHeadline(alert) || alert.event || t('approvals.untitled'), ' ', exerciseBadge(alert)),
      h('p', { class: 'meta' },
        statusPill('alert.status', alert.status), ' ',
        `${t(`alert.msgType.${alert.msg_type}`)} · ${severityLabel(alert.severity)} · ${alert.org.toUpperCase()} · `,
        t('approvals.draftedBy', { user: alert.drafted_by, time: fmtTime(alert.created_at) }),
        alert.approved_by ? ` · ${t('approvals.approvedBy', { user: alert.approved_by })}` : '',
        alert.supersedes ? ` · ${t('approvals.supersedes', { id: alert.supersedes })}` : ''),
      alert.rejection ? h('p', { class: 'field-error' }, t('compose.rejected', { reason: alert.rejection })) : null,
      actions);
  }

  function draftActions(alert) {
    const mine = alert.org === me.org;
    const ownDraft = alert.drafted_by === me.username;
    const reason = h('input', { type: 'text', id: `reject-reason-${alert.id}`, placeholder: t('approvals.reasonPlaceholder') });
    const err = errorBox();
    const [reviewButton, reviewBox] = reviewPanel(alert);
    const parts = [reviewButton];
    const rows = [];
    if (mine && isApprover && !ownDraft) {
      parts.push(h('button', { class: 'btn btn-ok', type: 'button', 'data-action': 'approve', onClick: () => act(alert, 'approve', {}, 'approvals.approved') }, t('approvals.approve')));
      rows.push(h('div', { class: 'inline-form' },
        h('label', { for: reason.id }, t('approvals.reason')), reason,
        h('button', {
          class: 'btn btn-danger', type: 'button', 'data-action': 'reject',
          onClick: () => {
            if (!reason.value.trim()) {
              err.show(t('approvals.reasonRequired'));
              return;
            }
            act(alert, 'reject', { reason: reason.value.trim() }, 'approvals.rejected');
          },
        }, t('approvals.reject'))), err);
    } else if (mine && isApprover && ownDraft) {
      parts.push(h('p', { class: 'muted' }, t('approvals.ownDraft')));
    }
    if (mine && isDuty) parts.push(h('a', { class: 'btn btn-secondary', href: `#/compose/alert/${alert.id}` }, t('approvals.edit')));
    return h('div', {}, h('div', { class: 'actions' }, parts), reviewBox, rows);
  }

  function approvedActions(alert) {
    const mine = alert.org === me.org;
    const [reviewButton, reviewBox] = reviewPanel(alert);
    const parts = [reviewButton];
    if (mine && (isApprover || isDuty)) {
      parts.push(h('button', { class: 'btn', type: 'button', 'data-action': 'publish', onClick: () => act(alert, 'publish', {}, 'approvals.published') }, t('approvals.publish')));
    }
    return h('div', {}, h('div', { class: 'actions' }, parts), reviewBox);
  }

  function publishedActions(alert) {
    const mine = alert.org === me.org;
    const note = h('input', { type: 'text', id: `note-${alert.id}`, placeholder: t('approvals.notePlaceholder') });
    const err = errorBox();
    const withNote = (action, okKey) => () => {
      if (!note.value.trim()) {
        err.show(t('approvals.noteRequired'));
        return;
      }
      act(alert, action, { note: note.value.trim() }, okKey);
    };
    return h('div', {},
      h('div', { class: 'actions' },
        h('a', { class: 'btn btn-secondary', href: alert.url || `/cap/${alert.id}.xml`, target: '_blank', rel: 'noopener', 'data-link': 'cap' }, t('approvals.capXml')),
        h('a', { class: 'btn btn-secondary', href: `/feeds/${alert.org}.atom?lang=${currentLang()}`, target: '_blank', rel: 'noopener', 'data-link': 'feed' }, t('approvals.feed'))),
      mine && isDuty && alert.status === 'published'
        ? h('div', { class: 'inline-form' },
          h('label', { for: note.id }, t('approvals.note')), note,
          h('button', { class: 'btn', type: 'button', 'data-action': 'update', onClick: withNote('update', 'approvals.updateDrafted') }, t('approvals.update')),
          h('button', { class: 'btn btn-danger', type: 'button', 'data-action': 'cancel', onClick: withNote('cancel', 'approvals.cancelDrafted') }, t('approvals.cancel')),
          err)
        : null);
  }

  async function fill(target, status, actions, emptyKey) {
    try {
      const items = (await get(`/api/alerts?status=${status}`)).items || [];
      target.replaceChildren(...items.map((a) => card(a, actions(a))));
      if (!items.length) target.append(h('p', { class: 'muted' }, t(emptyKey)));
    } catch (err) {
      mount(target, h('p', { class: 'field-error' }, errorText(err)));
    }
  }

  async function refresh() {
    await Promise.all([
      fill(drafts, 'draft', draftActions, 'approvals.noDrafts'),
      fill(approved, 'approved', approvedActions, 'approvals.noApproved'),
      fill(published, 'published', publishedActions, 'approvals.noPublished'),
    ]);
  }

  // The organisation's auto-publish setting (journaled; set by its admin through the API).
  const autoPublish = h('p', { id: 'auto-publish', class: 'muted' });
  get(`/api/orgs/${me.org}/auto-publish`).then((a) => {
    const on = a.status === 'on' && (a.levels || []).length > 0;
    autoPublish.className = on ? 'auto-publish-on' : 'muted';
    autoPublish.textContent = on
      ? t('approvals.autoPublishOn', { levels: a.levels.map((l) => t(`incident.level.${l}`)).join(', '), by: a.changed_by || '', at: fmtTime(a.updated_at) })
      : t('approvals.autoPublishOff');
  }).catch(() => { autoPublish.hidden = true; });

  mount(main,
    h('h1', {}, t('approvals.title')),
    autoPublish,
    h('section', { class: 'panel', 'aria-labelledby': 'q-drafts' }, h('h2', { id: 'q-drafts' }, t('approvals.drafts')), drafts),
    h('section', { class: 'panel', 'aria-labelledby': 'q-approved' }, h('h2', { id: 'q-approved' }, t('approvals.approvedList')), approved),
    h('section', { class: 'panel', 'aria-labelledby': 'q-published' }, h('h2', { id: 'q-published' }, t('approvals.publishedList')),
      h('p', {}, h('a', { href: `/feeds/${me.org}.atom?lang=${currentLang()}`, id: 'own-feed-link' }, t('approvals.ownFeed', { org: me.org.toUpperCase() }))),
      published));
  const unsubs = ALERT_EVENTS.map((k) => sse.subscribe(k, () => refresh()));
  await refresh();
  return () => unsubs.forEach((u) => u());
}
