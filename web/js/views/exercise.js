// Exercises: the list and (for the director's organisation) creation from a bundled plan;
// inside an exercise, the clock and the director's controls, the team's inject inbox with
// acknowledgements, the evaluators' rating form and, at the end, the after-action report.
// Players act through the normal screens (composer, board, incidents) while this tab works in
// the exercise: every request then carries the Forewarn-Exercise header.
import { h, mount } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { get, post } from '../api.js';
import * as sse from '../sse.js';
import * as session from '../session.js';
import { errorBox, errorText, field, statusPill } from '../common.js';

/** Scenario seconds as the server labels them (forewarn_exercise::time::label): T+hh:mm, T+1d02:30. */
export function tlabel(t_s) {
  const a = Math.abs(Math.trunc(t_s));
  const [d, hh, mm] = [Math.floor(a / 86400), Math.floor((a % 86400) / 3600), Math.floor((a % 3600) / 60)];
  const p2 = (n) => String(n).padStart(2, '0');
  return `T${t_s < 0 ? '-' : '+'}${d > 0 ? `${d}d` : ''}${p2(hh)}:${p2(mm)}`;
}

const POLL_MS = 2000;

function listView(main, ctx) {
  const list = h('div', { id: 'exercise-list' });
  const error = errorBox();
  const me = session.user();
  const canCreate = me && me.org === 'rc' && (session.hasRole('duty_officer') || session.hasRole('admin'));
  const scenario = h('select', { name: 'scenario' });
  // Or the director's own plan file (relative paths in it resolve against the bundled scenarios).
  const planFile = h('input', { type: 'file', name: 'plan', accept: '.toml,text/plain' });
  const seed = h('input', { type: 'number', name: 'seed', value: '7', min: '0' });
  const speed = h('input', { type: 'text', name: 'speed', value: 'x60', size: 6 });
  const bots = h('input', { type: 'checkbox', name: 'bots', checked: true });
  const createBtn = h('button', { class: 'btn', type: 'submit', id: 'exercise-create' }, t('exercise.create'));
  const form = canCreate
    ? h('form', {
      class: 'panel', id: 'exercise-create-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.clear();
        createBtn.disabled = true;
        createBtn.textContent = t('exercise.creating');
        try {
          const plan = planFile.files && planFile.files[0];
          const source = plan ? { toml: await plan.text() } : { scenario: scenario.value };
          const x = await post('/api/exercises', { ...source, seed: Number(seed.value || 0), speed: speed.value.trim(), bots: bots.checked });
          ctx.toast(t('exercise.created', { name: x.name }));
          await load();
        } catch (err) {
          error.show(err);
        } finally {
          createBtn.disabled = false;
          createBtn.textContent = t('exercise.create');
        }
      },
    },
    h('h2', {}, t('exercise.new')),
    h('div', { class: 'form-row' },
      field('exercise-scenario', 'exercise.scenario', scenario),
      field('exercise-plan-file', 'exercise.planFile', planFile, 'exercise.planFileHint'),
      field('exercise-seed', 'exercise.seed', seed),
      field('exercise-speed', 'exercise.speed', speed, 'exercise.speedHint')),
    h('label', { class: 'check' }, bots, ' ', t('exercise.bots')),
    error,
    h('div', { class: 'actions' }, createBtn))
    : null;

  async function load() {
    try {
      const items = (await get('/api/exercises')).items || [];
      mount(list, items.length === 0
        ? h('p', { class: 'muted' }, t('exercise.none'))
        : h('table', { class: 'table' },
          h('thead', {}, h('tr', {}, ['#', t('exercise.name'), t('common.status'), t('exercise.scenarioTime'), ''].map((x) => h('th', {}, x)))),
          h('tbody', {}, items.map((x) => h('tr', { 'data-exercise-id': x.id },
            h('td', {}, String(x.id)),
            h('td', {}, x.name),
            h('td', {}, statusPill('exercise.status', x.status)),
            h('td', {}, x.scenario_time || ''),
            h('td', {}, ['planned', 'running', 'paused', 'ended'].includes(x.status)
              ? h('button', { class: 'btn', type: 'button', 'data-join': x.id, onclick: () => ctx.switchExercise(x) }, t('exercise.join'))
              : null))))));
    } catch (err) {
      error.show(err);
    }
  }
  if (canCreate) {
    get('/api/exercises/scenarios').then((r) => {
      for (const s of r.items || []) scenario.append(h('option', { value: s.file }, `${s.name} (${s.file})`));
    }).catch((err) => error.show(err));
  }
  mount(main, h('h1', {}, t('exercise.title')), h('p', { class: 'muted' }, t('exercise.intro')), form,
    h('section', { class: 'panel' }, h('h2', {}, t('exercise.list')), list));
  load();
  const unsub = ['exercise.created', 'exercise.started', 'exercise.ended'].map((k) => sse.subscribe(k, () => load()));
  return () => unsub.forEach((u) => u());
}

function insideView(main, ctx, ex) {
  const head = h('section', { class: 'panel exercise-head', id: 'exercise-head' });
  const controls = h('div', { class: 'actions', id: 'exercise-controls' });
  const error = errorBox();
  const inbox = h('div', { id: 'exercise-inbox' });
  const rating = h('section', { class: 'panel', id: 'exercise-rating', hidden: true });
  const report = h('section', { class: 'panel', id: 'exercise-report', hidden: true });
  const msel = h('section', { class: 'panel', id: 'exercise-msel', hidden: true, 'aria-live': 'off' });
  const leave = h('button', { class: 'btn btn-secondary', type: 'button', id: 'exercise-leave', onclick: () => ctx.switchExercise(null) }, t('exercise.leave'));
  let state = null;
  let timer = null;
  let fresh = [];
  let toastTimer = null;
  // Ending cannot be undone: the first click asks, the second (a separate button) ends.
  let confirmingEnd = false;

  async function op(body) {
    error.clear();
    try {
      state = await post(`/api/exercises/${ex.id}/control`, body);
      paint();
      await loadInbox();
    } catch (err) {
      error.show(err);
    }
  }

  function paint() {
    if (!state) return;
    mount(head,
      h('h2', {}, h('span', { class: 'exercise-badge' }, t('exercise.badge')), ' ', state.name),
      h('p', { id: 'exercise-clock', 'data-status': state.status, 'data-t': state.t_s },
        statusPill('exercise.status', state.status), ' ',
        t('exercise.clock', { time: `${state.t_label || ''} (${state.scenario_time || ''})`, speed: state.speed || '' })),
      h('p', { class: 'muted', id: 'exercise-my-roles' }, t('exercise.myRoles', { roles: new Intl.ListFormat(currentLang(), { type: 'conjunction' }).format((state.my_roles || []).map((r) => t(`exercise.role.${r}`))) || '—', team: state.my_team || '—' })));
    const director = (state.my_roles || []).includes('director');
    const jump = h('input', { type: 'text', id: 'exercise-jump-to', size: 8, placeholder: '2h' });
    mount(controls, director ? [
      state.status === 'planned' ? h('button', { class: 'btn', type: 'button', id: 'exercise-start', onclick: () => op({ op: 'start' }) }, t('exercise.start')) : null,
      state.status === 'running' ? h('button', { class: 'btn btn-secondary', type: 'button', id: 'exercise-pause', onclick: () => op({ op: 'pause' }) }, t('exercise.pause')) : null,
      state.status === 'paused' ? h('button', { class: 'btn', type: 'button', id: 'exercise-resume', onclick: () => op({ op: 'resume' }) }, t('exercise.resume')) : null,
      ['running', 'paused'].includes(state.status) ? [
        h('label', { for: 'exercise-jump-to' }, t('exercise.jumpTo')), jump,
        h('button', { class: 'btn btn-secondary', type: 'button', id: 'exercise-jump', onclick: () => op({ op: 'jump', to: jump.value.trim() }) }, t('exercise.jump')),
        h('span', { class: 'exercise-end-group' },
          confirmingEnd
            ? h('span', { role: 'alert', class: 'exercise-end-confirm' }, t('exercise.endConfirm'), ' ',
              h('button', { class: 'btn btn-danger', type: 'button', id: 'exercise-end-confirm', onclick: () => { confirmingEnd = false; op({ op: 'end' }); } }, t('exercise.endNow')), ' ',
              h('button', { class: 'btn btn-secondary', type: 'button', id: 'exercise-end-cancel', onclick: () => { confirmingEnd = false; paint(); } }, t('exercise.keepRunning')))
            : h('button', { class: 'btn btn-danger', type: 'button', id: 'exercise-end', onclick: () => { confirmingEnd = true; paint(); } }, t('exercise.end'))),
      ] : null,
    ] : null, leave);
    const evaluator = (state.my_roles || []).includes('evaluator');
    rating.hidden = !evaluator || !['running', 'paused'].includes(state.status);
    if (!rating.hidden && !rating.dataset.built) buildRating();
    report.hidden = state.status !== 'ended';
    if (!report.hidden) {
      mount(report, h('h2', {}, t('exercise.report')),
        h('p', {}, h('a', { href: `/api/exercises/${ex.id}/report`, target: '_blank', rel: 'noopener', id: 'exercise-report-link' }, t('exercise.openReport')),
          ' · ', h('a', { href: `/api/exercises/${ex.id}/metrics`, target: '_blank', rel: 'noopener' }, 'metrics.json')),
        state.totals ? h('p', { id: 'exercise-totals' }, t('exercise.totals', {
          risk: Math.round(state.totals.people_at_risk).toLocaleString(), unwarned: Math.round(state.totals.unwarned_at_impact).toLocaleString(),
          deaths: Math.round(state.totals.deaths).toLocaleString(),
        })) : null);
    }
  }

  function buildRating() {
    rating.dataset.built = '1';
    const objective = h('select', { name: 'objective' }, (state.objectives || []).map((o) => h('option', { value: o.id }, `${o.id}: ${o.title}`)));
    const value = h('select', { name: 'rating' }, ['P', 'S', 'M', 'U'].map((r) => h('option', { value: r }, t(`exercise.rating.${r}`))));
    const note = h('textarea', { rows: 2, name: 'note' });
    const rerr = errorBox();
    const done = h('p', { id: 'exercise-rated', class: 'muted', role: 'status' });
    mount(rating, h('h2', {}, t('exercise.rate')),
      h('form', {
        onsubmit: async (ev) => {
          ev.preventDefault();
          rerr.clear();
          try {
            const r = await post(`/api/exercises/${ex.id}/ratings`, { objective: objective.value, rating: value.value, note: note.value.trim() || undefined });
            done.textContent = t('exercise.rated', { objective: r.objective, rating: r.rating });
          } catch (err) {
            rerr.show(err);
          }
        },
      },
      field('exercise-objective', 'exercise.objective', objective),
      field('exercise-rating-value', 'exercise.ratingLabel', value),
      field('exercise-note', 'exercise.note', note),
      rerr, h('div', { class: 'actions' }, h('button', { class: 'btn', type: 'submit', id: 'exercise-rate' }, t('exercise.rateSubmit'))), done));
  }

  async function loadInbox() {
    try {
      const items = (await get(`/api/exercises/${ex.id}/injects`)).items || [];
      mount(inbox, items.length === 0 ? h('p', { class: 'muted' }, t('exercise.noInjects')) : items.map((i) => h('article', { class: 'card exercise-record', 'data-inject': i.inject, 'data-team': i.team },
        h('h3', {}, h('span', { class: 'exercise-badge' }, t('exercise.badge')), ' ', `${i.inject} · ${i.scenario_time} · ${t(`exercise.channel.${i.channel}`)}`),
        h('p', { class: 'muted' }, t('exercise.from', { from: i.from, team: i.team })),
        h('p', { class: 'inject-text' }, i.content),
        i.expected_action ? h('p', {}, h('strong', {}, t('exercise.expected')), ' ', i.expected_action) : null,
        i.acknowledged
          ? h('p', { class: 'muted', 'data-acked': '1' }, t('exercise.acknowledged'))
          : h('button', {
            class: 'btn btn-secondary', type: 'button', 'data-ack': i.inject,
            onclick: async () => {
              try {
                await post(`/api/exercises/${ex.id}/acknowledge`, { inject: i.inject });
                await loadInbox();
              } catch (err) {
                error.show(err);
              }
            },
          }, t('exercise.acknowledge')))));
    } catch (err) {
      error.show(err);
    }
  }

  /** The director's (controllers', evaluators') scenario events list: a timeline and a table. */
  async function loadMsel() {
    const roles = state?.my_roles || [];
    msel.hidden = !['director', 'controller', 'evaluator'].some((r) => roles.includes(r)) || state.status === 'planned';
    if (msel.hidden) return;
    let list;
    try {
      list = await get(`/api/exercises/${ex.id}/msel`);
    } catch (err) {
      mount(msel, h('h2', {}, t('exercise.msel.title')), h('p', { class: 'field-error' }, errorText(err)));
      return;
    }
    const span = Math.max(1, list.duration_s || 1);
    const pos = (s) => `${Math.min(100, Math.max(0, (s / span) * 100)).toFixed(2)}%`;
    const at = (e) => e.fired_s ?? e.planned_s ?? (e.trigger.type === 'no_action_by' ? e.trigger.by_s : null);
    const trigger = (tr) => t(`exercise.msel.trigger.${tr.type}`, {
      time: tr.t_s !== undefined ? tlabel(tr.t_s) : tr.by_s !== undefined ? tlabel(tr.by_s) : '',
      inject: tr.inject || '', action: tr.action || '', team: tr.team || t('exercise.msel.anyTeam'),
      delay: tr.delay_s !== undefined ? tlabel(tr.delay_s).replace(/^T\+/, '') : '',
    });
    const track = h('div', { class: 'msel-track', role: 'img', 'aria-label': t('exercise.msel.trackLabel', { now: tlabel(list.t_s) }) },
      h('span', { class: 'msel-now', style: `inset-inline-start:${pos(list.t_s)}`, title: tlabel(list.t_s) }),
      list.items.filter((e) => at(e) !== null).map((e) => h('span', {
        class: `msel-dot msel-${e.state}`, style: `inset-inline-start:${pos(at(e))}`, title: `${e.inject} · ${e.time_label || ''} · ${t(`exercise.msel.state.${e.state}`)}`,
      })));
    mount(msel, h('h2', {}, t('exercise.msel.title')),
      h('p', { class: 'muted' }, t('exercise.msel.summary', {
        fired: list.items.filter((e) => e.state === 'fired').length, total: list.items.length, now: tlabel(list.t_s),
      })),
      track,
      h('div', { class: 'table-wrap' }, h('table', { id: 'exercise-msel-table' },
        h('thead', {}, h('tr', {}, ['time', 'inject', 'route', 'trigger', 'state', 'acks'].map((k) => h('th', { scope: 'col' }, t(`exercise.msel.col.${k}`))))),
        h('tbody', {}, list.items.map((e) => h('tr', { 'data-inject': e.inject, 'data-state': e.state },
          h('td', {}, e.time_label || '—'),
          h('td', {}, h('strong', {}, e.inject), e.expected_action ? h('div', { class: 'muted' }, e.expected_action) : null),
          h('td', {}, `${e.from} → ${e.to.join(', ')}`),
          h('td', {}, trigger(e.trigger)),
          h('td', {}, h('span', { class: `status msel-pill msel-${e.state}` }, t(`exercise.msel.state.${e.state}`))),
          h('td', {}, e.state === 'fired' ? `${e.acknowledged_by.length}/${e.to.length}` : '—')))))));
  }

  async function refresh() {
    try {
      state = await get(`/api/exercises/${ex.id}`);
      paint();
      await loadMsel();
    } catch (err) {
      error.show(err);
    }
  }

  mount(main, h('h1', {}, t('exercise.title')), head, h('section', { class: 'panel' }, controls, error), msel, rating, report,
    h('section', { class: 'panel' }, h('h2', {}, t('exercise.inbox')), inbox),
    h('p', { class: 'muted' }, t('exercise.actHint')));
  refresh().then(loadInbox);
  timer = setInterval(refresh, POLL_MS);
  const unsub = [
    sse.subscribe('exercise.inject', (e) => {
      loadInbox();
      loadMsel();
      // One notice per burst, and only for the caller's own organisation's injects (the
      // regional centre reads every team's).
      const me = session.user();
      if (!me || e.org !== me.org) return;
      const id = e.payload?.inject || '';
      if (!fresh.includes(id)) fresh.push(id);
      clearTimeout(toastTimer);
      toastTimer = setTimeout(() => {
        ctx.toast(t('exercise.newInject', { inject: fresh.join(', ') }));
        fresh = [];
      }, 400);
    }),
    sse.subscribe('exercise.message', () => loadInbox()),
    sse.subscribe('exercise.hazard', (e) => ctx.toast(t('exercise.hazardBegan', { name: e.payload?.name || '' }))),
  ];
  return () => {
    clearInterval(timer);
    clearTimeout(toastTimer);
    unsub.forEach((u) => u());
  };
}

export async function renderExercise(main, ctx) {
  const ex = session.exercise();
  return ex ? insideView(main, ctx, ex) : listView(main, ctx);
}
