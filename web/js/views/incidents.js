// Incident list and the "run earthquake" form with streamed progress.
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import * as sse from '../sse.js';
import * as session from '../session.js';
import { exerciseBadge, statusPill, errorBox, errorText, field, visibilitySelect, fmtTime } from '../common.js';

const POLL_MS = 4000;
/** Ground-motion models the API accepts (docs/api.md); the first is its default. */
const GMPES = ['nga-west2', 'bssa14', 'cy14', 'ask14', 'cb14'];
const MAX_REALIZATIONS = 200;

/** Client-side checks mirroring the API ranges (docs/api.md); the server checks again. */
const QUAKE_FIELDS = [
  { name: 'lat', key: 'incidents.form.lat', min: -90, max: 90, step: 'any', value: '34.49' },
  { name: 'lon', key: 'incidents.form.lon', min: -180, max: 180, step: 'any', value: '73.63' },
  { name: 'depth_km', key: 'incidents.form.depth', min: 0, max: 700, step: 'any', value: '15' },
  { name: 'mag', key: 'incidents.form.mag', min: 4, max: 9.5, step: '0.1', value: '7.0' },
];

function alertLevelPill(level) {
  if (!level) return null;
  return h('span', { class: `status alert-level-${level}`, 'data-level': level }, t(`incident.level.${level}`));
}

export async function renderIncidents(main, { toast }) {
  const canRun = session.hasRole('duty_officer');
  const tableBody = h('tbody', { id: 'incident-rows' });
  const progressBox = h('section', { class: 'panel', id: 'run-progress', 'aria-live': 'polite', hidden: true });
  const inputs = {};
  const fieldErrors = {};
  const formError = errorBox();
  const submit = h('button', { class: 'btn', type: 'submit', id: 'run-submit' }, t('incidents.form.run'));
  const titleInput = h('input', { type: 'text', name: 'title', maxlength: 200 });
  const visibility = visibilitySelect(['own_org', 'regional'], 'own_org');
  const gmpe = h('select', { name: 'gmpe' }, GMPES.map((g) => h('option', { value: g }, t(`gmpe.${g}`))));
  const realizations = h('input', { type: 'number', name: 'realizations', min: 0, max: 200, step: 1, value: 0, inputmode: 'numeric' });

  const quakeFields = QUAKE_FIELDS.map((f) => {
    const input = h('input', { type: 'number', name: f.name, min: f.min, max: f.max, step: f.step, value: f.value, required: true, inputmode: 'decimal' });
    inputs[f.name] = input;
    const err = h('p', { class: 'field-error', id: `run-${f.name}-error`, role: 'alert', hidden: true });
    fieldErrors[f.name] = err;
    input.setAttribute('aria-describedby', err.id);
    return h('div', {}, field(`run-${f.name}`, f.key, input), err);
  });

  function showFieldError(name, message) {
    const input = inputs[name];
    const err = fieldErrors[name];
    if (!input || !err) return false;
    input.setAttribute('aria-invalid', message ? 'true' : 'false');
    err.textContent = message || '';
    err.hidden = !message;
    return true;
  }

  function readForm() {
    let ok = true;
    const quake = {};
    for (const f of QUAKE_FIELDS) {
      const raw = inputs[f.name].value.trim();
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value) || value < f.min || value > f.max) {
        showFieldError(f.name, t('incidents.form.range', { min: f.min, max: f.max }));
        ok = false;
      } else {
        showFieldError(f.name, '');
        quake[f.name] = value;
      }
    }
    const n = Number(realizations.value || 0);
    if (!Number.isInteger(n) || n < 0 || n > MAX_REALIZATIONS) {
      formError.show(t('incidents.form.realizationsRange', { max: MAX_REALIZATIONS }));
      realizations.setAttribute('aria-invalid', 'true');
      ok = false;
    } else {
      realizations.setAttribute('aria-invalid', 'false');
      quake.gmpe = gmpe.value;
      quake.realizations = n;
    }
    if (!ok) return null;
    const title = titleInput.value.trim() || t('incidents.form.defaultTitle', { mag: quake.mag.toFixed(1), lat: quake.lat, lon: quake.lon });
    return { title, visibility: visibility.value, quake };
  }

  const form = h('form', {
    class: 'panel', id: 'run-form', 'aria-labelledby': 'run-title', novalidate: true,
    onSubmit: async (ev) => {
      ev.preventDefault();
      formError.clear();
      const body = readForm();
      if (!body) return;
      submit.disabled = true;
      try {
        const incident = await post('/api/incidents', body);
        toast(t('incidents.started', { title: incident.title }));
        track(incident);
        refresh();
      } catch (err) {
        const name = err.field && err.field.startsWith('quake.') ? err.field.slice(6) : null;
        if (!(name && showFieldError(name, err.message))) formError.show(err);
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('h2', { id: 'run-title' }, t('incidents.form.title')),
  field('run-title-input', 'incidents.form.name', titleInput, 'incidents.form.nameHint'),
  h('div', { class: 'form-row' }, quakeFields),
  field('run-visibility', 'common.visibility', visibility),
  h('details', {},
    h('summary', {}, t('incidents.form.advanced')),
    h('div', { class: 'form-row' },
      field('run-gmpe', 'incidents.form.gmpe', gmpe),
      field('run-realizations', 'incidents.form.realizations', realizations, 'incidents.form.realizationsHint'))),
  formError,
  h('div', { class: 'actions' }, submit));

  // Progress of the run started from this screen, streamed over SSE.
  let tracked = null;
  const bar = h('div', { id: 'run-progress-bar' });
  const stage = h('p', { id: 'run-stage' });
  const log = h('div', { class: 'log', id: 'run-log' });
  const outcome = h('div', { id: 'run-outcome' });
  let pollTimer = null;

  function renderProgress(p) {
    if (!p) return;
    const pct = p.total > 0 ? Math.round((100 * p.done) / p.total) : 0;
    bar.style.width = `${pct}%`;
    bar.parentElement?.setAttribute('aria-valuenow', String(pct));
    stage.textContent = t('incidents.progress.stage', { stage: t(`stage.${p.stage}`) === `stage.${p.stage}` ? p.stage : t(`stage.${p.stage}`), done: p.done, total: p.total });
    log.textContent += `${new Date().toISOString().slice(11, 19)}  ${p.stage} ${p.done}/${p.total}\n`;
    log.scrollTop = log.scrollHeight;
  }

  function finish(incident) {
    clearInterval(pollTimer);
    pollTimer = null;
    tracked = incident;
    progressBox.dataset.status = incident.status;
    if (incident.status === 'complete') {
      bar.style.width = '100%';
      stage.textContent = t('incidents.progress.complete');
      mount(outcome,
        h('p', {}, statusPill('incident.status', incident.status), ' ', alertLevelPill(incident.alert_level)),
        h('div', { class: 'actions' },
          h('a', { class: 'btn', href: `#/incident/${incident.id}`, id: 'run-show-page' }, t('incidents.showPage')),
          h('a', { class: 'btn btn-secondary', href: `#/map/incident/${incident.id}`, id: 'run-show-map' }, t('incidents.showOnMap')),
          canRun ? h('a', { class: 'btn btn-secondary', href: `#/compose/incident/${incident.id}`, id: 'run-draft-alert' }, t('incidents.draftAlert')) : null));
    } else if (incident.status === 'failed') {
      stage.textContent = t('incidents.progress.failed');
      mount(outcome, h('p', { class: 'field-error', role: 'alert' }, incident.error || ''));
    }
  }

  function track(incident) {
    tracked = incident;
    progressBox.hidden = false;
    progressBox.dataset.incident = String(incident.id);
    progressBox.dataset.status = incident.status;
    bar.style.width = '0';
    log.textContent = '';
    outcome.replaceChildren();
    mount(progressBox,
      h('h2', {}, t('incidents.progress.title', { title: incident.title })), exerciseBadge(incident),
      h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': t('incidents.progress.title', { title: incident.title }) }, bar),
      stage, log, outcome);
    stage.textContent = t('incidents.progress.queued');
    const early = pendingProgress.get(incident.id);
    if (early) renderProgress(early);
    if (incident.status !== 'running') finish(incident);
    else {
      clearInterval(pollTimer);
      pollTimer = setInterval(async () => {
        try {
          const fresh = await get(`/api/incidents/${incident.id}`);
          if (fresh.status !== 'running') finish(fresh);
          else if (fresh.progress && !log.textContent) renderProgress(fresh.progress);
        } catch (err) {
          console.warn(err);
        }
      }, POLL_MS);
    }
  }

  // Progress events can arrive before the POST response; keep the latest per incident.
  const pendingProgress = new Map();
  const unsubs = [
    sse.subscribe('incident.progress', (p) => {
      pendingProgress.set(p.incident_id, p);
      if (tracked && p.incident_id === tracked.id && tracked.status === 'running') renderProgress(p);
      const row = tableBody.querySelector(`tr[data-id="${p.incident_id}"] .progress-cell`);
      if (row) row.textContent = `${p.stage} ${p.done}/${p.total}`;
    }),
    sse.subscribe('incident.completed', (e) => {
      if (tracked && e.record_id === tracked.id) finish(e.payload || { ...tracked, status: 'complete' });
      refresh();
    }),
    sse.subscribe('incident.failed', (e) => {
      if (tracked && e.record_id === tracked.id) finish(e.payload || { ...tracked, status: 'failed' });
      refresh();
    }),
    sse.subscribe('incident.created', () => refresh()),
    sse.subscribe('incident.closed', () => refresh()),
  ];

  async function closeIncident(incident) {
    try {
      await post(`/api/incidents/${incident.id}/close`, {});
      refresh();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }

  async function refresh() {
    let items;
    try {
      items = (await get('/api/incidents')).items || [];
    } catch (err) {
      toast(errorText(err), 'error');
      return;
    }
    const me = session.user();
    tableBody.replaceChildren(...items.map((i) => {
      const q = i.quake || {};
      const mine = me && i.org === me.org;
      return h('tr', { 'data-id': i.id, class: exerciseBadge(i) ? 'exercise-record' : '' },
        h('td', {}, String(i.id)),
        h('td', {}, i.title, ' ', exerciseBadge(i)),
        h('td', {}, i.org.toUpperCase()),
        h('td', {}, q.mag !== undefined ? `M${Number(q.mag).toFixed(1)} · ${q.depth_km} km` : ''),
        h('td', {}, statusPill('incident.status', i.status), h('div', { class: 'muted progress-cell' })),
        h('td', {}, alertLevelPill(i.alert_level)),
        h('td', {}, fmtTime(i.created_at), h('div', { class: 'muted' }, i.created_by)),
        h('td', {},
          i.status === 'complete' || i.status === 'closed' ? [h('a', { href: `#/incident/${i.id}`, class: 'incident-page-link' }, t('incidents.showPage')), ' · ', h('a', { href: `#/map/incident/${i.id}` }, t('incidents.showOnMap'))] : null,
          canRun && mine && i.status === 'complete' ? [' · ', h('a', { href: `#/compose/incident/${i.id}` }, t('incidents.draftAlert'))] : null,
          canRun && mine && (i.status === 'complete' || i.status === 'failed')
            ? [' · ', h('button', { class: 'btn btn-secondary', type: 'button', onClick: () => closeIncident(i) }, t('incidents.close'))]
            : null));
    }));
    if (!items.length) tableBody.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, t('incidents.none'))));
  }

  mount(main,
    h('h1', {}, t('incidents.title')),
    canRun ? h('div', { class: 'grid-2' }, form, progressBox) : progressBox,
    h('section', { class: 'panel' },
      h('h2', {}, t('incidents.list')),
      h('table', { id: 'incident-table' },
        h('thead', {}, h('tr', {}, ['#', 'incidents.col.title', 'incidents.col.org', 'incidents.col.quake', 'incidents.col.status', 'incidents.col.level', 'incidents.col.created', 'incidents.col.actions'].map((k) => h('th', { scope: 'col' }, k === '#' ? '#' : t(k))))),
        tableBody)));
  await refresh();
  return () => {
    clearInterval(pollTimer);
    for (const u of unsubs) u();
  };
}
