// Activity log: the journal entries the user may read, newest first, with live additions.
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import * as sse from '../sse.js';
import { exerciseBadge, errorText, fmtTime } from '../common.js';

const PAGE = 100;

function describe(entry) {
  const p = entry.payload || {};
  return p.title || p.headline || p.username || p.name || (p.quantity !== undefined ? `${p.quantity}` : '');
}

function row(entry, fresh) {
  const kindText = t(`kind.${entry.kind}`);
  return h('tr', { 'data-seq': entry.seq, class: `${fresh ? 'flash-row ' : ''}${exerciseBadge(entry) ? 'exercise-record' : ''}` },
    h('td', {}, String(entry.seq)),
    h('td', {}, fmtTime(entry.ts)),
    h('td', {}, entry.actor),
    h('td', {}, (entry.org || '').toUpperCase(), entry.party_org ? ` → ${entry.party_org.toUpperCase()}` : ''),
    h('td', {}, kindText === `kind.${entry.kind}` ? entry.kind : kindText, ' ', exerciseBadge(entry)),
    h('td', {}, `${t(`record.${entry.record_type}`)} #${entry.record_id}`),
    h('td', {}, describe(entry)));
}

export async function renderActivity(main) {
  const body = h('tbody', { id: 'activity-rows' });
  const more = h('button', { class: 'btn btn-secondary', type: 'button', hidden: true }, t('activity.older'));
  const error = h('p', { class: 'field-error', role: 'alert' });
  let oldest = null;
  const seen = new Set();

  async function load(before) {
    try {
      const q = before ? `&before_seq=${before}` : '';
      const items = (await get(`/api/activity?limit=${PAGE}${q}`)).items || [];
      for (const e of items) {
        if (seen.has(e.seq)) continue;
        seen.add(e.seq);
        body.append(row(e, false));
        oldest = oldest === null ? e.seq : Math.min(oldest, e.seq);
      }
      more.hidden = items.length < PAGE;
      if (!seen.size) body.append(h('tr', { class: 'empty' }, h('td', { colspan: 7, class: 'muted' }, t('activity.none'))));
    } catch (err) {
      error.textContent = errorText(err);
    }
  }
  more.addEventListener('click', () => load(oldest));

  mount(main,
    h('h1', {}, t('activity.title')),
    h('section', { class: 'panel' },
      h('p', { class: 'muted' }, t('activity.intro')),
      error,
      h('table', { id: 'activity-table' },
        h('thead', {}, h('tr', {}, ['activity.col.seq', 'activity.col.time', 'activity.col.actor', 'activity.col.org', 'activity.col.kind', 'activity.col.record', 'activity.col.subject'].map((k) => h('th', { scope: 'col' }, t(k))))),
        body),
      h('div', { class: 'actions' }, more)));

  const unsub = sse.subscribe('*', (entry, type) => {
    if (type === 'incident.progress' || !entry || typeof entry.seq !== 'number' || seen.has(entry.seq)) return;
    seen.add(entry.seq);
    body.querySelector('tr.empty')?.remove();
    body.prepend(row(entry, true));
  });
  await load(null);
  return unsub;
}
