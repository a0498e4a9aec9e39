// Incident list and the "run earthquake" form with streamed progress.
import { h, mount } from '../dom.js';
import { t, tPlain } from '../i18n.js';
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
  { name: 'lat', key: 'incidents.form.lat', min: -90, max: 90, step: 'any' },
  { name: 'lon', key: 'incidents.form.lon', min: -180, max: 180, step: 'any' },
  { name: 'depth_km', key: 'incidents.form.depth', min: 0, max: 700, step: 'any' },
  { name: 'mag', key: 'incidents.form.mag', min: 4, max: 9.5, step: '0.1' },
];
/** The optional fault mechanism (empty: the regional default of the tectonic regime). */
const MECHANISM_FIELDS = [
  { name: 'strike_deg', key: 'incidents.form.strike', min: -360, max: 360 },
  { name: 'dip_deg', key: 'incidents.form.dip', min: 0.1, max: 90 },
  { name: 'rake_deg', key: 'incidents.form.rake', min: -180, max: 180 },
];
/** Largest event file read for an import (a USGS GeoJSON or QuakeML event is a few kB). */
const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/** `YYYY-MM-DDThh:mm:ss` of `date` in UTC, for the origin-time field (which holds UTC). */
function utcInputValue(date) {
  return date.toISOString().slice(0, 19);
}

/**
 * The first event of a USGS GeoJSON (Feature or FeatureCollection) or QuakeML 1.2 text:
 * { lat, lon, depth_km, mag, origin_time (ISO), title } or an error naming what is missing.
 */
export function parseEventFile(text) {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let doc;
    try { doc = JSON.parse(trimmed); } catch (err) { throw new Error(`GeoJSON: ${err.message}`); }
    const f = doc.type === 'FeatureCollection' ? (doc.features || [])[0] : doc;
    const c = f && f.geometry && f.geometry.coordinates;
    const p = (f && f.properties) || {};
    if (!Array.isArray(c) || c.length < 2 || !Number.isFinite(p.mag)) throw new Error('GeoJSON: no event with geometry.coordinates and properties.mag');
    return {
      lon: c[0], lat: c[1], depth_km: Number.isFinite(c[2]) ? c[2] : 10, mag: p.mag,
      origin_time: Number.isFinite(p.time) ? new Date(p.time).toISOString() : null,
      title: p.title || p.place || '',
    };
  }
  const doc = new DOMParser().parseFromString(trimmed, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) throw new Error('QuakeML: not well-formed XML');
  const first = (parent, name) => (parent ? parent.getElementsByTagNameNS('*', name)[0] : undefined);
  const value = (parent, name) => {
    const v = first(first(parent, name), 'value');
    return v ? v.textContent.trim() : null;
  };
  const event = first(doc, 'event');
  const origin = first(event, 'origin');
  const magnitude = first(event, 'magnitude');
  const lat = Number(value(origin, 'latitude'));
  const lon = Number(value(origin, 'longitude'));
  const depthM = Number(value(origin, 'depth'));
  const mag = Number(value(magnitude, 'mag'));
  const time = value(origin, 'time');
  if (!origin || !Number.isFinite(lat) || !Number.isFinite(lon) || !Number.isFinite(mag)) throw new Error('QuakeML: no event with an origin (latitude, longitude) and a magnitude');
  const desc = first(first(event, 'description'), 'text');
  return {
    lat, lon, depth_km: Number.isFinite(depthM) ? depthM / 1000 : 10, mag,
    origin_time: time && !Number.isNaN(Date.parse(time)) ? new Date(time).toISOString() : null,
    title: desc ? desc.textContent.trim() : '',
  };
}

function alertLevelPill(level) {
  if (!level) return null;
  return h('span', { class: `status alert-level-${level}`, 'data-level': level }, t(`incident.level.${level}`));
}

export async function renderIncidents(main, { toast, params = [] }) {
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

  function numberField(f, required) {
    const input = h('input', { type: 'number', name: f.name, min: f.min, max: f.max, step: f.step || 'any', required, inputmode: 'decimal' });
    inputs[f.name] = input;
    const err = h('p', { class: 'field-error', id: `run-${f.name}-error`, role: 'alert', hidden: true });
    fieldErrors[f.name] = err;
    input.setAttribute('aria-describedby', err.id);
    return h('div', {}, field(`run-${f.name}`, f.key, input), err);
  }
  const quakeFields = QUAKE_FIELDS.map((f) => numberField(f, true));
  const mechanismFields = MECHANISM_FIELDS.map((f) => numberField(f, false));

  // Origin time, in UTC (the input), shown in the user's zone beside it. Default: now.
  // An ISO text field, not datetime-local: the browser shows that in its own locale's form
  // (12/06/2026, 07:24 PM), the ambiguous dd/mm the duty officers asked us to drop.
  const origin = h('input', {
    type: 'text', name: 'origin_time', value: utcInputValue(new Date()), required: true,
    placeholder: 'YYYY-MM-DDThh:mm:ss', pattern: '\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d(:\\d\\d)?',
    spellcheck: 'false', autocomplete: 'off', maxlength: 19,
  });
  inputs.origin_time = origin;
  const originLocal = h('p', { class: 'hint', id: 'run-origin-local' });
  const originErr = h('p', { class: 'field-error', id: 'run-origin_time-error', role: 'alert', hidden: true });
  fieldErrors.origin_time = originErr;
  origin.setAttribute('aria-describedby', `${originLocal.id} ${originErr.id}`);
  function originIso() {
    const v = origin.value.trim().replace(' ', 'T');
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(v)) return null;
    const d = new Date(`${v.length === 16 ? `${v}:00` : v}Z`);
    return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  function showOriginLocal() {
    const iso = originIso();
    originLocal.textContent = iso ? t('incidents.form.originLocal', { time: fmtTime(iso) }) : '';
  }
  origin.addEventListener('input', showOriginLocal);
  showOriginLocal();

  // Import of a USGS GeoJSON or QuakeML event file.
  const importInput = h('input', { type: 'file', id: 'run-import', accept: '.json,.geojson,.xml,.quakeml,application/json,application/xml' });
  const importNote = h('p', { class: 'hint', id: 'run-import-note', 'aria-live': 'polite' });
  importInput.addEventListener('change', async () => {
    const file = importInput.files && importInput.files[0];
    if (!file) return;
    formError.clear();
    if (file.size > MAX_IMPORT_BYTES) {
      formError.show(t('incidents.form.importTooBig', { max: MAX_IMPORT_BYTES / 1024 / 1024 }));
      return;
    }
    try {
      const ev = parseEventFile(await file.text());
      for (const name of ['lat', 'lon', 'depth_km', 'mag']) inputs[name].value = String(Math.round(ev[name] * 10000) / 10000);
      if (ev.origin_time) origin.value = utcInputValue(new Date(ev.origin_time));
      if (ev.title && !titleInput.value.trim()) titleInput.value = ev.title.slice(0, 200);
      showOriginLocal();
      importNote.textContent = t('incidents.form.imported', { name: file.name });
    } catch (err) {
      formError.show(t('incidents.form.importFailed', { name: file.name, error: err.message }));
    }
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
    for (const f of MECHANISM_FIELDS) {
      const raw = inputs[f.name].value.trim();
      if (raw === '') { showFieldError(f.name, ''); continue; }
      const value = Number(raw);
      if (!Number.isFinite(value) || value < f.min || value > f.max) {
        showFieldError(f.name, t('incidents.form.range', { min: f.min, max: f.max }));
        ok = false;
      } else {
        showFieldError(f.name, '');
        quake[f.name] = value;
      }
    }
    const given = MECHANISM_FIELDS.filter((f) => quake[f.name] !== undefined).length;
    if (given !== 0 && given !== MECHANISM_FIELDS.length) {
      showFieldError('rake_deg', t('incidents.form.mechanismAll'));
      ok = false;
    }
    const iso = originIso();
    if (!iso || Date.parse(iso) > Date.now() + 3600 * 1000) {
      showFieldError('origin_time', t('incidents.form.originInvalid'));
      ok = false;
    } else {
      showFieldError('origin_time', '');
      quake.origin_time = iso;
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
    const title = titleInput.value.trim() || tPlain('incidents.form.defaultTitle', { mag: quake.mag.toFixed(1), lat: quake.lat, lon: quake.lon });
    return { title, visibility: visibility.value, quake };
  }

  const form = h('form', {
    class: 'panel', id: 'run-form', 'aria-labelledby': 'run-title', novalidate: true,
    onSubmit: async (ev) => {
      ev.preventDefault();
      formError.clear();
      const body = readForm();
      if (!body) return;
      // The run is confirmed before it starts: what will run, in words.
      const q = body.quake;
      confirmText.textContent = t('incidents.form.confirmText', {
        mag: q.mag.toFixed(1), lat: q.lat, lon: q.lon, depth: q.depth_km, time: fmtTime(q.origin_time),
        mechanism: q.rake_deg === undefined ? t('incidents.form.mechanismDefault') : `${q.strike_deg}° / ${q.dip_deg}° / ${q.rake_deg}°`,
      });
      pending = body;
      confirmBox.hidden = false;
      confirmYes.focus();
    },
  },
  h('h2', { id: 'run-title' }, t('incidents.form.title')),
  h('div', { class: 'form-row' }, field('run-import', 'incidents.form.import', importInput, 'incidents.form.importHint')),
  importNote,
  field('run-title-input', 'incidents.form.name', titleInput, 'incidents.form.nameHint'),
  h('div', { class: 'form-row' }, quakeFields),
  h('div', {}, field('run-origin_time', 'incidents.form.origin', origin), originLocal, originErr),
  field('run-visibility', 'common.visibility', visibility),
  h('details', {},
    h('summary', {}, t('incidents.form.advanced')),
    h('p', { class: 'hint' }, t('incidents.form.mechanismHint')),
    h('div', { class: 'form-row' }, mechanismFields),
    h('div', { class: 'form-row' },
      field('run-gmpe', 'incidents.form.gmpe', gmpe),
      field('run-realizations', 'incidents.form.realizations', realizations, 'incidents.form.realizationsHint'))),
  formError,
  h('div', { class: 'actions' }, submit));

  // The confirmation step.
  let pending = null;
  const confirmText = h('p', { id: 'run-confirm-text' });
  const confirmYes = h('button', { class: 'btn', type: 'button', id: 'run-confirm' }, t('incidents.form.confirmRun'));
  const confirmNo = h('button', { class: 'btn btn-secondary', type: 'button', id: 'run-cancel' }, t('incidents.form.confirmBack'));
  const confirmBox = h('div', { class: 'panel', id: 'run-confirm-box', role: 'dialog', 'aria-labelledby': 'run-confirm-text', hidden: true },
    confirmText, h('div', { class: 'actions' }, confirmYes, confirmNo));
  confirmNo.addEventListener('click', () => { confirmBox.hidden = true; pending = null; submit.focus(); });
  confirmYes.addEventListener('click', async () => {
    const body = pending;
    if (!body) return;
    confirmBox.hidden = true;
    pending = null;
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
  });

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
    // An exercise hazard is one incident per playing country (each with its own CAP
    // proposal); a player lists its own, the regional centre every country's.
    if (me && me.org !== 'rc') items = items.filter((i) => !i.exercise_id || i.org === me.org || i.created_by !== 'exercise');
    tableBody.replaceChildren(...items.map((i) => {
      const q = i.quake || {};
      const mine = me && i.org === me.org;
      return h('tr', { 'data-id': i.id, class: exerciseBadge(i) ? 'exercise-record' : '' },
        h('td', {}, String(i.id)),
        h('td', {}, i.title, ' ', exerciseBadge(i)),
        h('td', {}, i.org.toUpperCase()),
        h('td', {}, q.mag !== undefined ? `M${Number(q.mag).toFixed(1)} · ${q.depth_km} km` : i.flood ? t('incidents.floodFrom', { gauge: i.flood.gauge }) : ''),
        h('td', {}, statusPill('incident.status', i.status), h('div', { class: 'muted progress-cell' })),
        h('td', {}, alertLevelPill(i.alert_level)),
        h('td', {}, fmtTime(i.created_at), h('div', { class: 'muted' }, i.created_by)),
        h('td', {},
          // Every completed run has its page (an earthquake's, a flood's, an exercise
          // scenario's) and its map.
          i.status === 'complete' || i.status === 'closed'
            ? [h('a', { href: `#/incident/${i.id}`, class: 'incident-page-link' }, t('incidents.showPage')), ' · ', h('a', { href: `#/map/incident/${i.id}` }, t('incidents.showOnMap'))]
            : null,
          canRun && mine && i.status === 'complete' ? [' · ', h('a', { href: `#/compose/incident/${i.id}` }, t('incidents.draftAlert'))] : null,
          canRun && mine && (i.status === 'complete' || i.status === 'failed')
            ? [' · ', h('button', { class: 'btn btn-secondary', type: 'button', onClick: () => closeIncident(i) }, t('incidents.close'))]
            : null));
    }));
    if (!items.length) tableBody.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, t('incidents.none'))));
  }

  mount(main,
    h('h1', {}, t('incidents.title')),
    canRun ? h('div', { class: 'grid-2' }, h('div', {}, form, confirmBox), progressBox) : progressBox,
    h('section', { class: 'panel' },
      h('h2', {}, t('incidents.list')),
      h('table', { id: 'incident-table' },
        h('thead', {}, h('tr', {}, ['#', 'incidents.col.title', 'incidents.col.org', 'incidents.col.quake', 'incidents.col.status', 'incidents.col.level', 'incidents.col.created', 'incidents.col.actions'].map((k) => h('th', { scope: 'col' }, k === '#' ? '#' : t(k))))),
        tableBody)));
  // An epicentre picked on the map (#/incidents/at/{lat}/{lon}): the position is filled in,
  // the rest (depth, magnitude, time) is the duty officer's to give.
  if (canRun && params[0] === 'at') {
    const [lat, lon] = [Number(params[1]), Number(params[2])];
    if (Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      inputs.lat.value = String(lat);
      inputs.lon.value = String(lon);
      importNote.textContent = t('incidents.form.fromMap', { lat, lon });
      inputs.depth_km.focus();
    }
  }
  await refresh();
  return () => {
    clearInterval(pollTimer);
    for (const u of unsubs) u();
  };
}
