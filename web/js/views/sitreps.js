// Situation reports: write one (duty officers) and read those the organisation may see,
// newest first, with live additions. Inside an exercise they are exercise records and count as
// the team's situation reports.
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import * as sse from '../sse.js';
import * as session from '../session.js';
import { exerciseBadge, errorBox, field, visibilitySelect, fmtTime } from '../common.js';

export async function renderSitreps(main, { toast }) {
  const canWrite = session.hasRole('duty_officer');
  const list = h('div', { id: 'sitrep-list' });
  const error = errorBox();
  const title = h('input', { type: 'text', name: 'title', required: true, maxlength: 200 });
  const body = h('textarea', { name: 'body', rows: 6 });
  const visibility = visibilitySelect(['regional', 'own_org'], 'regional');
  const submit = h('button', { class: 'btn', type: 'submit', id: 'sitrep-submit' }, t('sitreps.submit'));
  const form = canWrite
    ? h('form', {
      class: 'panel', id: 'sitrep-form',
      onSubmit: async (ev) => {
        ev.preventDefault();
        error.clear();
        if (!title.value.trim()) return error.show(t('sitreps.titleRequired'));
        submit.disabled = true;
        try {
          const s = await post('/api/sitreps', { title: title.value.trim(), body: body.value, visibility: visibility.value });
          toast(t('sitreps.created', { id: s.id }));
          title.value = '';
          body.value = '';
          await load();
        } catch (err) {
          error.show(err);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h2', {}, t('sitreps.new')),
    field('sitrep-title', 'sitreps.title', title),
    field('sitrep-body', 'sitreps.body', body),
    field('sitrep-visibility', 'common.visibility', visibility),
    error,
    h('div', { class: 'actions' }, submit))
    : null;

  async function load() {
    try {
      const items = (await get('/api/sitreps?limit=200')).items || [];
      mount(list, items.length === 0 ? h('p', { class: 'muted' }, t('sitreps.none')) : items.map((s) =>
        h('article', { class: `card${exerciseBadge(s) ? ' exercise-record' : ''}`, 'data-sitrep-id': s.id },
          h('h3', {}, `#${s.id} ${s.title} `, exerciseBadge(s)),
          h('p', { class: 'muted' }, `${session.orgName(s.org)} · ${s.created_by} · ${fmtTime(s.created_at)} · ${t(`visibility.${s.visibility}`)}`),
          h('p', { class: 'inject-text' }, s.body))));
    } catch (err) {
      error.show(err);
    }
  }

  mount(main, h('h1', {}, t('sitreps.heading')), h('div', { class: 'grid-2' }, form, h('section', { class: 'panel' }, h('h2', {}, t('sitreps.list')), list)));
  await load();
  return sse.subscribe('sitrep.created', () => load());
}
