// Approval queue and alert lifecycle: drafts awaiting a second person's approval, approved
// alerts awaiting publication, and published alerts (stable CAP URL, Atom feed, update/cancel).
import { h, mount } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { get, post } from '../api.js';
import * as sse from '../sse.js';
import * as session from '../session.js';
import { alertHeadline, exerciseBadge, statusPill, errorBox, errorText, fmtTime } from '../common.js';

const ALERT_EVENTS = ['alert.drafted', 'alert.revised', 'alert.approved', 'alert.rejected', 'alert.published', 'alert.superseded', 'alert.cancelled'];

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
    const box = h('div', { class: 'review', hidden: true });
    const toggle = h('button', {
      class: 'btn btn-secondary', type: 'button', 'aria-expanded': 'false',
      onClick: async () => {
        const open = box.hidden;
        box.hidden = !open;
        toggle.setAttribute('aria-expanded', String(open));
        if (!open || box.dataset.loaded) return;
        box.dataset.loaded = '1';
        try {
          const full = await get(`/api/alerts/${alert.id}`);
          const check = await post('/api/alerts/validate', { xml: full.xml }, { idempotent: false });
          mount(box,
            h('p', { class: check.valid ? '' : 'field-error', style: check.valid ? 'color: var(--ok); font-weight: 700' : '' },
              check.valid ? t('compose.validation.valid') : t('compose.validation.invalid', { n: (check.problems || []).filter((p) => p.level === 'error').length })),
            (check.problems || []).length ? h('ul', {}, check.problems.map((p) => h('li', {}, `${t(`compose.level.${p.level}`)}: ${p.message}`))) : null,
            h('pre', { class: 'log', style: 'max-height: 20rem' }, full.xml));
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
        `${t(`alert.msgType.${alert.msg_type}`)} · ${alert.severity || ''} · ${alert.org.toUpperCase()} · `,
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
    const parts = [...reviewPanel(alert)];
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
    return h('div', {}, h('div', { class: 'actions' }, parts), rows);
  }

  function approvedActions(alert) {
    const mine = alert.org === me.org;
    const parts = [...reviewPanel(alert)];
    if (mine && (isApprover || isDuty)) {
      parts.push(h('button', { class: 'btn', type: 'button', 'data-action': 'publish', onClick: () => act(alert, 'publish', {}, 'approvals.published') }, t('approvals.publish')));
    }
    return h('div', { class: 'actions' }, parts);
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
