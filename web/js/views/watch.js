// Watch: the sources this server watches (`--watch FILE.toml`) with their health, which the
// regional centre's admin pauses and resumes, and the watch rules of the user's organisation:
// the area (its country plus a buffer, drawn on a map), the minimum magnitude by depth, the
// trusted sources and the alert level from which the watch drafts a warning. The
// organisation's admin edits them; everyone else reads them. A click on the map asks whether
// an earthquake there would alarm the organisation. The regional centre's admin also adds a
// source (POST /api/watch/sources) without a restart. docs/watch.md describes the watch.
import { h, mount, debounce } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { get, post, put } from '../api.js';
import * as session from '../session.js';
import { statusPill, errorBox, errorText, fmtTime } from '../common.js';
import { bbox } from '../cap_area.js';
import { EMPTY, smallMap } from '../small_map.js';

/** How often the sources' health is read again while the screen is shown. */
const REFRESH_MS = 10_000;
/** Pause after the last keystroke in the buffer field before the area is drawn anew. */
const PREVIEW_DEBOUNCE_MS = 400;
const LEVELS = ['green', 'yellow', 'orange', 'red'];
const STATUSES = ['ok', 'failing', 'paused', 'pending'];
/** The --demo defaults: where an organisation without rules starts from. */
const DEMO_RULES = Object.freeze({
  enabled: true,
  buffer_km: 100,
  magnitude_steps: [{ max_depth_km: 70, min_mag: 5.0 }, { max_depth_km: null, min_mag: 6.0 }],
  trusted_sources: [],
  draft_from: 'green',
});
/** The server's limits, used until it sends its own with the rules. */
const DEFAULT_LIMITS = Object.freeze({ buffer_km_max: 500, steps_max: 6, trusted_sources_max: 32, min_mag_min: 2.0, min_mag_max: 9.5, depth_km_max: 700 });
/** Where the check popup starts. */
const CHECK_DEFAULTS = { mag: 6.0, depth_km: 15 };
/** The kinds of source the watch reads (docs/watch.md, "The configuration file"). */
const SOURCE_KINDS = ['usgs-geojson', 'fdsn-text', 'quakeml', 'cap-atom', 'sensorthings', 'gauge-csv'];
/** The kinds that read a gauge: only they take thresholds and alarm organisations. */
const GAUGE_KINDS = new Set(['sensorthings', 'gauge-csv']);
/** A new source's poll interval until the admin types another, s. */
const DEFAULT_POLL_S = 60;
/** After a source is added, the table is read again this soon to show its first poll. */
const FIRST_POLL_REFRESH_MS = 2_000;

/** `x` in the UI language with `digits` decimals (at most `digits` when `exact` is false). */
function fmtNum(x, digits = 0, exact = true) {
  if (x === null || x === undefined || !Number.isFinite(Number(x))) return '—';
  return new Intl.NumberFormat(currentLang(), { minimumFractionDigits: exact ? digits : 0, maximumFractionDigits: digits }).format(Number(x));
}

/** The status a source's pill shows: the stored pause first (the poller follows within a second). */
function sourceStatus(s) {
  if (s.paused) return 'paused';
  const st = (s.health && s.health.status) || s.status;
  // Resumed, but not polled again yet.
  if (st === 'paused') return 'pending';
  return STATUSES.includes(st) ? st : 'pending';
}

/** Empties a form's field error boxes (`boxes`: key -> element) and its own error box. */
function clearFieldErrors(formEl, boxes, formErr) {
  for (const el of Object.values(boxes)) {
    el.textContent = '';
    el.hidden = true;
  }
  formErr.clear();
  for (const el of formEl.querySelectorAll('[aria-invalid="true"]')) el.setAttribute('aria-invalid', 'false');
}

/**
 * Shows `message` at the field `target(key)` names ([input, box]) and focuses it; in the form's
 * own error box when the field has no box of its own (a key the form has no input for).
 */
function showFieldError(target, formErr, key, message, focus = true) {
  const [input, box] = target(key);
  if (box) {
    // The server's message may start with the key ("poll_s: 0 is not ..."); the label names it.
    box.textContent = message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message;
    box.hidden = false;
  } else {
    formErr.show(message);
    formErr.scrollIntoView({ block: 'nearest' });
  }
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    if (focus) input.focus();
  }
}

/** The watch map's own sources and layers (over the countries of small_map.js). */
const WATCH_SOURCES = { 'watch-area': { type: 'geojson', data: EMPTY } };
const WATCH_LAYERS = [
  { id: 'watch-area-fill', type: 'fill', source: 'watch-area', filter: ['==', ['get', 'part'], 'area'], paint: { 'fill-color': '#ffd23f', 'fill-opacity': 0.16 } },
  { id: 'watch-area-line', type: 'line', source: 'watch-area', filter: ['==', ['get', 'part'], 'area'], paint: { 'line-color': '#ffd23f', 'line-width': 2.5, 'line-dasharray': [2, 1.5] } },
  { id: 'watch-country-line', type: 'line', source: 'watch-area', filter: ['==', ['get', 'part'], 'country'], paint: { 'line-color': '#6cc4ff', 'line-width': 2.5 } },
];

/** The name of organisation `org`'s country in the UI language (its name when it has none). */
function countryName(org) {
  const iso = org && org.country_iso2 ? String(org.country_iso2).toUpperCase() : '';
  if (iso) {
    try {
      const name = new Intl.DisplayNames([currentLang()], { type: 'region' }).of(iso);
      if (name && name !== iso) return name;
    } catch {
      // No region names in this browser: the organisation's name below.
    }
  }
  return org ? session.orgName(org.code) : '';
}

/** The answer to "would this alarm us?" in words. */
function checkAnswer(res, mag) {
  if (!res.enabled) return t('watch.check.off');
  if (res.passes) return t('watch.check.yes', { mag: fmtNum(mag, 1), min: fmtNum(res.min_mag, 1) });
  if (!res.in_area) return t('watch.check.outside', { distance: fmtNum(res.distance_km), buffer: fmtNum(res.buffer_km) });
  if (!res.magnitude_ok) {
    return res.min_mag === null || res.min_mag === undefined
      ? t('watch.check.tooDeep')
      : t('watch.check.below', { mag: fmtNum(mag, 1), min: fmtNum(res.min_mag, 1) });
  }
  return t('watch.check.no');
}

export async function renderWatch(main, { toast }) {
  const me = session.user();
  const isRcAdmin = me.org === 'rc' && session.hasRole('admin');
  const myOrg = session.orgList().find((o) => o.code === me.org);
  const orgLabel = myOrg ? session.orgName(myOrg.code) : me.org.toUpperCase();
  let disposed = false;

  // --- sources ------------------------------------------------------------------------------
  const sourcesBody = h('tbody', { id: 'watch-source-rows' });
  const sourcesError = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const notWatching = h('p', { id: 'watch-not-watching', class: 'muted', hidden: true }, t('watch.sources.notWatching'));
  const columns = ['name', 'kind', 'status', 'lastSuccess', 'lastError', 'items', 'poll'];
  if (isRcAdmin) columns.push('actions');
  const sourcesTable = h('table', { id: 'watch-sources', class: 'watch-sources' },
    h('caption', {}, t('watch.sources.caption')),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, t(`watch.sources.col.${c}`))))),
    sourcesBody);
  const sourcesWrap = h('div', { class: 'table-wrap' }, sourcesTable);

  async function setPaused(s, pause) {
    try {
      await post(`/api/watch/sources/${encodeURIComponent(s.name)}/${pause ? 'pause' : 'resume'}`, {});
      toast(t(pause ? 'watch.sources.pausedMsg' : 'watch.sources.resumedMsg', { name: s.name }));
    } catch (err) {
      toast(errorText(err), 'error');
    }
    await loadSources();
    // Keep the keyboard where it was: on the row's button (now the other one).
    sourcesBody.querySelector(`tr[data-source="${CSS.escape(s.name)}"] button`)?.focus();
  }

  function sourceRow(s, i) {
    const hl = s.health || s;
    const status = sourceStatus(s);
    const nameId = `watch-source-${i}`;
    const rejections = hl.recent_rejections || [];
    const cells = [
      h('th', { scope: 'row', id: nameId }, h('span', { class: 'watch-source-name' }, s.name),
        s.added_through_api ? [' ', h('span', { class: 'watch-added', 'data-added': 'api' }, t('watch.sources.added'))] : null,
        s.url ? h('span', { class: 'meta watch-url', dir: 'ltr' }, s.url) : null),
      h('td', {}, s.kind || '—', s.agency ? h('span', { class: 'meta' }, ` · ${String(s.agency).toUpperCase()}`) : null),
      h('td', {}, statusPill('watch.status', status),
        status === 'failing' && hl.consecutive_failures ? h('span', { class: 'meta watch-line' }, t('watch.sources.failures', { n: hl.consecutive_failures })) : null),
      h('td', {}, hl.last_success ? fmtTime(hl.last_success) : h('span', { class: 'muted' }, t('watch.sources.never'))),
      h('td', {}, hl.last_error
        ? [h('span', { class: 'watch-error-text' }, hl.last_error), h('span', { class: 'meta watch-line' }, fmtTime(hl.last_error_at))]
        : h('span', { class: 'muted' }, t('watch.sources.noError'))),
      h('td', { class: 'watch-items' },
        h('span', { class: 'watch-line' }, t('watch.sources.seen', { n: fmtNum(hl.items_seen || 0) })),
        h('span', { class: 'watch-line' }, t('watch.sources.accepted', { n: fmtNum(hl.items_accepted || 0) })),
        h('span', { class: `watch-line${hl.items_rejected ? ' watch-rejected' : ''}` }, t('watch.sources.rejected', { n: fmtNum(hl.items_rejected || 0) })),
        rejections.length
          ? h('details', {}, h('summary', {}, t('watch.sources.rejections')),
            h('ul', { class: 'watch-rejections' }, rejections.slice().reverse().map((r) => h('li', {},
              h('span', { class: 'meta' }, fmtTime(r.time || r.at)), ' ', r.id ? h('code', {}, r.id) : null, ' ', r.reason || ''))))
          : null),
      h('td', { class: 'watch-poll' }, t('watch.sources.every', { s: fmtNum(s.poll_s, 1, false) }),
        status === 'failing' && Number.isFinite(hl.next_poll_in_s)
          ? h('span', { class: 'meta watch-line' }, t('watch.sources.nextIn', { s: fmtNum(hl.next_poll_in_s, 0) }))
          : null),
    ];
    if (isRcAdmin) {
      const pause = !s.paused;
      cells.push(h('td', {}, h('button', {
        class: pause ? 'btn btn-secondary' : 'btn', type: 'button', 'data-action': pause ? 'pause' : 'resume', 'aria-describedby': nameId,
        onClick: (ev) => {
          ev.currentTarget.disabled = true;
          setPaused(s, pause);
        },
      }, t(pause ? 'watch.sources.pause' : 'watch.sources.resume'))));
    }
    return h('tr', { 'data-source': s.name, 'data-status': status }, cells);
  }

  /** Whether the server watches (`--watch`); null until the sources are read. */
  let watching = null;

  async function loadSources() {
    let res;
    try {
      res = await get('/api/watch/sources');
    } catch (err) {
      if (disposed) return;
      sourcesError.textContent = errorText(err);
      sourcesError.hidden = false;
      return;
    }
    if (disposed) return;
    sourcesError.hidden = true;
    const items = res.items || [];
    watching = res.watching !== false;
    // Without --watch there is nothing to add to (the server would answer 409): no form.
    if (isRcAdmin && watching && !addHost.hasChildNodes()) mountAddForm();
    notWatching.hidden = res.watching !== false;
    sourcesWrap.hidden = res.watching === false;
    // The refresh redraws the rows: the keyboard stays on the same row's button.
    const active = document.activeElement;
    const focusedRow = active && sourcesBody.contains(active) ? active.closest('tr')?.dataset.source : null;
    sourcesBody.replaceChildren(...items.map(sourceRow));
    if (!items.length) sourcesBody.append(h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, t('watch.sources.none'))));
    if (focusedRow) sourcesBody.querySelector(`tr[data-source="${CSS.escape(focusedRow)}"] button`)?.focus();
    sourcesTable.dataset.loaded = String(Date.now());
  }

  const addHost = h('div', { id: 'watch-add-host' });
  const sourcesPanel = h('section', { class: 'panel', 'aria-labelledby': 'watch-sources-h' },
    h('h2', { id: 'watch-sources-h' }, t('watch.sources.title')),
    notWatching, sourcesError, sourcesWrap,
    isRcAdmin ? addHost : h('p', { class: 'muted', id: 'watch-sources-who' }, t('watch.sources.adminOnly')));

  // --- rules --------------------------------------------------------------------------------
  const rulesTitle = h('h2', { id: 'watch-rules-h' }, t('watch.rules.title', { org: orgLabel }));
  const rulesHost = h('div', { id: 'watch-rules-body' });
  const rulesPanel = h('section', { class: 'panel', id: 'watch-rules', 'aria-labelledby': 'watch-rules-h' }, rulesTitle);

  // The regional centre has no rules of its own: the screen speaks of each member's.
  const intro = myOrg && !myOrg.country_iso2 ? t('watch.introRc') : t('watch.intro');
  mount(main, h('h1', {}, t('watch.title')), h('p', { class: 'muted' }, intro), sourcesPanel, rulesPanel);

  const timer = setInterval(() => loadSources(), REFRESH_MS);
  let soonTimer = null;
  let rulesCleanup = null;
  const cleanup = () => {
    disposed = true;
    clearInterval(timer);
    clearTimeout(soonTimer);
    if (rulesCleanup) rulesCleanup();
  };

  /** The regional admin's "Add a source" form, below the table. */
  function mountAddForm() {
    mount(addHost, addSourceForm({
      toast,
      onAdded: async () => {
        await loadSources();
        // Its first poll starts at once: shown before the next regular refresh.
        clearTimeout(soonTimer);
        soonTimer = setTimeout(() => loadSources(), FIRST_POLL_REFRESH_MS);
      },
    }));
  }

  await loadSources();
  if (disposed) return cleanup;

  /** Shows the rules of organisation `code` (editable by its admin). */
  let rulesSeq = 0;
  async function showRules(code) {
    const seq = ++rulesSeq;
    if (rulesCleanup) rulesCleanup();
    rulesCleanup = null;
    // A box of its own: a slower earlier choice draws into a box no longer shown.
    const box = h('div');
    rulesHost.replaceChildren(box);
    const org = session.orgList().find((o) => o.code === code);
    rulesTitle.textContent = t('watch.rules.title', { org: org ? session.orgName(org.code) : orgLabel });
    if (!code) return;
    const done = await renderRules(box, code, { toast, isOwn: code === me.org });
    if (disposed || seq !== rulesSeq) done();
    else rulesCleanup = done;
  }

  if (myOrg && !myOrg.country_iso2) {
    // The regional centre has no area of its own; it reads the rules of each member.
    const choices = session.orgList().filter((o) => o.country_iso2);
    const picker = h('select', {
      id: 'watch-rules-org',
      onChange: (ev) => showRules(ev.target.value),
    }, h('option', { value: '' }, t('watch.rules.pickOrg')), choices.map((o) => h('option', { value: o.code }, session.orgName(o.code))));
    rulesPanel.append(
      h('p', { id: 'watch-rules-nocountry' }, t('watch.rules.noCountry')),
      h('div', { class: 'field watch-org-pick' }, h('label', { for: picker.id }, t('watch.rules.org')), picker),
      rulesHost);
    return cleanup;
  }
  rulesPanel.append(rulesHost);
  await showRules(me.org);
  return cleanup;
}

/**
 * The regional centre's admin's form that adds a source: the keys of a `[[source]]` table of
 * the watch file (docs/watch.md, "The configuration file") posted to /api/watch/sources. Empty
 * optional fields are left out (the server refuses null); the server checks every range and
 * names the field of an error. `onAdded(record)` runs after a 201.
 */
function addSourceForm({ toast, onAdded }) {
  const inputs = {};
  const errors = {};
  /** The id of key `key`'s control (`poll_s` → `watch-add-poll-s`). */
  const idOf = (key) => `watch-add-${key.replace(/_/g, '-')}`;

  /** A labelled control for key `key`, with its hint (when `hintKey`) and its error line. */
  function field(key, labelKey, control, hintKey) {
    const id = idOf(key);
    control.id = id;
    control.name = key;
    const hint = hintKey ? h('p', { class: 'muted watch-add-hint', id: `${id}-hint` }, t(hintKey)) : null;
    errors[key] = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
    control.setAttribute('aria-describedby', [hint ? hint.id : null, errors[key].id].filter(Boolean).join(' '));
    inputs[key] = control;
    return h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)), control, hint, errors[key]);
  }
  const text = (attrs = {}) => h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', dir: 'ltr', ...attrs });
  const number = (attrs = {}) => h('input', { type: 'number', step: 'any', inputmode: 'decimal', ...attrs });

  const kind = h('select', {}, SOURCE_KINDS.map((k) => h('option', { value: k }, `${t(`watch.add.kinds.${k}`)} (${k})`)));
  const level = h('select', {}, LEVELS.map((l) => h('option', { value: l, selected: l === 'orange' }, t(`incident.level.${l}`))));
  // The organisations a gauge's crossing alarms: the members (the centre hears by escalation).
  const members = session.orgList().filter((o) => o.country_iso2);
  const orgBoxes = members.map((o) => h('input', { type: 'checkbox', id: `watch-add-alarm-org-${o.code}`, value: o.code, 'aria-describedby': 'watch-add-alarm-orgs-error' }));
  errors.alarm_orgs = h('p', { class: 'field-error', id: 'watch-add-alarm-orgs-error', role: 'alert', hidden: true });
  const orgSet = h('fieldset', { class: 'watch-fieldset', id: 'watch-add-alarm-orgs' },
    h('legend', {}, t('watch.add.alarmOrgs')),
    h('ul', { class: 'watch-add-orgs' }, members.map((o, i) => h('li', { class: 'watch-check-row' },
      // Each member is one country's authority: its country names it in short.
      orgBoxes[i], h('label', { for: orgBoxes[i].id }, countryName(o))))),
    errors.alarm_orgs);

  const gauge = h('fieldset', { class: 'watch-fieldset', id: 'watch-add-gauge' },
    h('legend', {}, t('watch.add.gauge')),
    h('p', { class: 'muted watch-add-hint' }, t('watch.add.gaugeHint')),
    h('div', { class: 'form-row' },
      field('level_threshold', 'watch.add.level', number({ min: -1e6, max: 1e6 })),
      field('rise_threshold', 'watch.add.rise', number({ min: 0, max: 1e6 })),
      field('rise_window_s', 'watch.add.riseWindow', number({ min: 1, max: 604800 }), 'watch.add.riseWindowHint')),
    orgSet,
    field('alarm_level', 'watch.add.alarmLevel', level, 'watch.add.alarmLevelHint'));

  const formErr = errorBox();
  formErr.id = 'watch-add-error';
  const submit = h('button', { class: 'btn', type: 'submit', id: 'watch-add-submit' }, t('watch.add.submit'));

  /** The gauge fields only for a gauge kind. */
  function syncKind() {
    gauge.hidden = !GAUGE_KINDS.has(kind.value);
  }
  kind.addEventListener('change', syncKind);

  /** The control and the error line of key `key` (`alarm_orgs[1]`: the second ticked box). */
  function target(key) {
    const m = /^alarm_orgs(?:\[(\d+)\])?$/.exec(key || '');
    if (m) {
      const ticked = orgBoxes.filter((b) => b.checked);
      return [(m[1] !== undefined && ticked[Number(m[1])]) || ticked[0] || orgBoxes[0], errors.alarm_orgs];
    }
    // A gauge field of a source that is no gauge (or any key the form has no input for): at the top.
    if (!inputs[key] || (gauge.contains(inputs[key]) && gauge.hidden)) return [null, null];
    return [inputs[key], errors[key]];
  }

  function clearErrors() {
    clearFieldErrors(formEl, errors, formErr);
  }

  function showError(key, message) {
    showFieldError(target, formErr, key, message);
  }

  /** The body: the keys of a `[[source]]` table in the file's order, empty optional fields left out; null after an error shown. */
  function collect() {
    const body = {};
    const isGauge = GAUGE_KINDS.has(kind.value);
    const keys = ['name', 'kind', 'url', 'poll_s', 'timeout_s', 'agency', ...(isGauge ? ['level_threshold', 'rise_threshold', 'rise_window_s'] : [])];
    for (const key of keys) {
      const input = inputs[key];
      const v = input.value.trim();
      if (input.type === 'number') {
        // Only what the browser cannot send is checked here (text in a number field).
        if (input.validity.badInput || (v !== '' && !Number.isFinite(Number(v)))) {
          showError(key, t('watch.rules.number'));
          return null;
        }
        if (v !== '') body[key] = Number(v);
      } else if (v !== '') {
        body[key] = v;
      }
    }
    if (isGauge) {
      const orgs = orgBoxes.filter((b) => b.checked).map((b) => b.value);
      if (orgs.length) body.alarm_orgs = orgs;
      body.alarm_level = level.value;
    }
    return body;
  }

  const formEl = h('form', {
    id: 'watch-add-form', class: 'watch-form watch-add-form', novalidate: true, 'aria-labelledby': 'watch-add-h',
    onSubmit: async (ev) => {
      ev.preventDefault();
      clearErrors();
      const body = collect();
      if (!body) return;
      submit.disabled = true;
      try {
        const rec = await post('/api/watch/sources', body);
        toast(t('watch.add.added', { name: (rec && rec.name) || body.name }));
        formEl.reset();
        syncKind();
        await onAdded(rec);
        inputs.name.focus();
      } catch (err) {
        if (err.status === 422 && err.field) showError(err.field, err.message);
        else formErr.show(err);
      } finally {
        submit.disabled = false;
      }
    },
  },
  formErr,
  h('div', { class: 'form-row' },
    field('name', 'watch.add.name', text({ maxlength: 64 }), 'watch.add.nameHint'),
    field('kind', 'watch.add.kind', kind)),
  field('url', 'watch.add.url', h('input', { type: 'url', autocomplete: 'off', spellcheck: 'false', inputmode: 'url', dir: 'ltr' }), 'watch.add.urlHint'),
  h('div', { class: 'form-row' },
    field('poll_s', 'watch.add.poll', number({ min: 1, max: 86400, value: DEFAULT_POLL_S }), 'watch.add.pollHint'),
    field('timeout_s', 'watch.add.timeout', number({ min: 1, max: 120 }), 'watch.add.timeoutHint'),
    field('agency', 'watch.add.agency', text({ maxlength: 64 }), 'watch.add.agencyHint')),
  gauge,
  h('div', { class: 'actions' }, submit));
  syncKind();

  return h('section', { class: 'watch-add', id: 'watch-add-source', 'aria-labelledby': 'watch-add-h' },
    h('h3', { id: 'watch-add-h' }, t('watch.add.title')),
    h('p', { class: 'muted' }, t('watch.add.intro')),
    formEl);
}

/**
 * Draws organisation `code`'s watch rules into `host`: notes, the map with its area and the
 * check, and the form (editable when `isOwn` and the user is an admin). Returns the cleanup.
 */
async function renderRules(host, code, { toast, isOwn }) {
  let disposed = false;
  let map = null;
  const cleanup = () => {
    disposed = true;
    if (map) map.remove();
    if (window.forewarnWatchMap === map) window.forewarnWatchMap = null;
  };
  const org = session.orgList().find((o) => o.code === code);
  const orgLabel = org ? session.orgName(org.code) : code.toUpperCase();
  const rulesPanel = host;
  /**
   * A text about the organisation: its own people read "your organisation", "my country";
   * the regional centre, reading a member's rules, reads the member's name (key + `Other`).
   */
  const about = (key, vars = {}) => (isOwn ? t(key, vars) : t(`${key}Other`, { ...vars, org: orgLabel, country: countryName(org) || orgLabel }));

  let rules;
  try {
    rules = await get(`/api/orgs/${encodeURIComponent(code)}/watch-rules`);
  } catch (err) {
    rulesPanel.append(h('p', { class: 'field-error', role: 'alert' }, errorText(err)));
    return cleanup;
  }
  if (disposed) return cleanup;

  const isAdmin = isOwn && session.hasRole('admin');
  const limits = { ...DEFAULT_LIMITS, ...(rules.limits || {}) };
  const originNote = h('p', { id: 'watch-rules-origin' });
  const whoLine = h('p', { id: 'watch-rules-who', class: 'muted' });
  const mapEl = h('div', { id: 'watch-map', role: 'region', 'aria-label': t('watch.map.label'), 'data-area': 'loading' });
  const legendArea = h('span', { id: 'watch-legend-area' });
  const formHost = h('div', { class: 'watch-form-host' });
  const pointCheck = h('div', { id: 'watch-point-check' });

  rulesPanel.append(
    h('p', { class: 'muted', id: 'watch-rules-intro' }, about('watch.rules.intro')),
    originNote, whoLine,
    h('div', { class: 'watch-rules' },
      h('div', { class: 'watch-map-col' },
        mapEl,
        h('ul', { class: 'watch-legend' },
          h('li', {}, h('span', { class: 'watch-key watch-key-country', 'aria-hidden': 'true' }), t('watch.map.legendCountry')),
          h('li', {}, h('span', { class: 'watch-key watch-key-area', 'aria-hidden': 'true' }), legendArea)),
        h('p', { class: 'muted', id: 'watch-map-hint' }, about('watch.map.clickHint')),
        pointCheck),
      formHost));

  function paintNotes() {
    originNote.dataset.origin = rules.origin;
    originNote.className = 'watch-origin-note';
    const notes = [];
    if (rules.origin === 'demo') notes.push(about('watch.rules.origin.demo'));
    if (rules.origin === 'none') notes.push(t('watch.rules.origin.none'), isAdmin ? ` ${t('watch.rules.origin.noneAdmin')}` : '');
    else if (!rules.enabled) notes.push(t('watch.rules.off'));
    originNote.textContent = notes.join('');
    originNote.hidden = !notes.length;
    const who = [];
    if (!isAdmin) who.push(t('watch.rules.whoCan', { org: orgLabel }));
    if (rules.changed_by) who.push(t('watch.rules.changed', { by: rules.changed_by, at: fmtTime(rules.updated_at) }));
    whoLine.textContent = who.join(' ');
    whoLine.hidden = !who.length;
  }

  // --- the map: the country and the buffered area -------------------------------------------
  let loaded = Promise.resolve(false);
  try {
    ({ map, loaded } = smallMap(mapEl, WATCH_SOURCES, WATCH_LAYERS));
    window.forewarnWatchMap = map;
  } catch (err) {
    console.error(err);
    mount(mapEl, h('p', { class: 'panel', role: 'alert' }, t('map.noWebgl'), ' ', String(err.message || err)));
    map = null;
  }

  // Only the latest preview is drawn (an older answer arriving late is dropped).
  let areaSeq = 0;
  /** Draws the area for `buffer_km` (the stored rules' buffer when null); true when drawn. */
  async function loadArea(buffer_km) {
    const seq = ++areaSeq;
    mapEl.dataset.area = 'loading';
    const q = buffer_km === null || buffer_km === undefined ? '' : `?buffer_km=${encodeURIComponent(buffer_km)}`;
    let area;
    try {
      area = await get(`/api/orgs/${encodeURIComponent(code)}/watch-rules/area${q}`);
    } catch (err) {
      if (seq !== areaSeq || disposed) return false;
      mapEl.dataset.area = 'error';
      if (err.field === 'buffer_km' && form) form.showError('buffer_km', err.message, false);
      else console.warn('watch area', err);
      return false;
    }
    if (seq !== areaSeq || disposed) return false;
    if (form) form.clearError('buffer_km');
    // Without rules nothing is watched: a reader sees the country alone (the admin, the area
    // the form would create).
    if (rules.origin === 'none' && !isAdmin) area = { ...area, features: (area.features || []).filter((f) => f.properties && f.properties.part !== 'area') };
    legendArea.parentElement.hidden = rules.origin === 'none' && !isAdmin;
    const part = (area.features || []).find((f) => f.properties && f.properties.part === 'area');
    const km = part && Number.isFinite(part.properties.buffer_km) ? part.properties.buffer_km : buffer_km;
    legendArea.textContent = t('watch.map.legendArea', { km: fmtNum(km, 1, false) });
    if (await loaded && !disposed && seq === areaSeq) {
      map.getSource('watch-area').setData(area);
      const box = bbox(part ? { type: 'FeatureCollection', features: [part] } : area);
      if (box) map.fitBounds(box, { padding: 30, duration: 0, maxZoom: 7 });
    }
    if (seq !== areaSeq || disposed) return false;
    mapEl.dataset.bufferKm = km === null || km === undefined ? '' : String(km);
    mapEl.dataset.area = 'ready';
    return true;
  }

  // --- "would this alarm us?" ----------------------------------------------------------------
  /** Asks the server about an earthquake at (lat, lon) and writes the answer into `out`. */
  async function runCheck(lat, lon, magInput, depthInput, out) {
    const mag = Number(magInput.value);
    const depth = Number(depthInput.value);
    for (const [input, ok] of [[magInput, magInput.value.trim() !== '' && Number.isFinite(mag)], [depthInput, depthInput.value.trim() !== '' && Number.isFinite(depth)]]) {
      input.setAttribute('aria-invalid', ok ? 'false' : 'true');
      if (!ok) {
        out.dataset.passes = '';
        out.textContent = t('watch.rules.number');
        input.focus();
        return;
      }
    }
    out.dataset.passes = '';
    out.textContent = '…';
    try {
      const q = new URLSearchParams({ lat: String(lat), lon: String(lon), depth_km: String(depth), mag: String(mag) });
      const res = await get(`/api/orgs/${encodeURIComponent(code)}/watch-rules/check?${q}`);
      out.dataset.passes = String(!!res.passes);
      out.className = `watch-answer ${res.passes ? 'watch-answer-yes' : 'watch-answer-no'}`;
      out.textContent = checkAnswer(res, mag);
    } catch (err) {
      out.dataset.passes = '';
      out.className = 'watch-answer field-error';
      out.textContent = errorText(err);
    }
  }

  /** Magnitude and depth inputs, the question button and the answer (ids start with `prefix`). */
  function checkControls(prefix, coords) {
    const mag = h('input', { type: 'number', id: `${prefix}-mag`, min: limits.min_mag_min, max: limits.min_mag_max, step: '0.1', value: CHECK_DEFAULTS.mag.toFixed(1), inputmode: 'decimal' });
    const depth = h('input', { type: 'number', id: `${prefix}-depth`, min: 0, max: limits.depth_km_max, step: 'any', value: CHECK_DEFAULTS.depth_km, inputmode: 'decimal' });
    const answer = h('p', { id: `${prefix}-answer`, class: 'watch-answer', 'aria-live': 'polite' });
    const button = h('button', {
      class: 'btn', type: 'submit', id: `${prefix}-run`,
    }, about('watch.check.run'));
    const formEl = h('form', {
      class: 'watch-check', novalidate: true,
      onSubmit: (ev) => {
        ev.preventDefault();
        const at = coords();
        if (at) runCheck(at.lat, at.lon, mag, depth, answer);
      },
    },
    h('div', { class: 'watch-check-fields' },
      h('div', {}, h('label', { for: mag.id }, t('watch.check.mag')), mag),
      h('div', {}, h('label', { for: depth.id }, t('watch.check.depth')), depth)),
    h('div', { class: 'actions' }, button),
    answer,
    h('p', { class: 'meta' }, t('watch.check.saved')));
    return { formEl, mag };
  }

  let popup = null;
  if (map) {
    map.on('click', (ev) => {
      if (popup) popup.remove();
      const lat = Math.round(ev.lngLat.lat * 1e4) / 1e4;
      const lon = Math.round(ev.lngLat.lng * 1e4) / 1e4;
      const { formEl, mag } = checkControls('watch-check', () => ({ lat, lon }));
      const content = h('div', { class: 'watch-popup', id: 'watch-check-popup' },
        h('p', { class: 'watch-popup-title' }, t('watch.check.title', { lat: fmtNum(lat, 2), lon: fmtNum(lon, 2) })),
        formEl);
      popup = new maplibregl.Popup({ closeButton: true, maxWidth: '20rem' }).setLngLat([lon, lat]).setDOMContent(content).addTo(map);
      mag.focus({ preventScroll: true });
    });
  }

  // The same question by coordinates, for the keyboard.
  {
    const lat = h('input', { type: 'number', id: 'watch-point-lat', min: -90, max: 90, step: 'any', inputmode: 'decimal' });
    const lon = h('input', { type: 'number', id: 'watch-point-lon', min: -180, max: 180, step: 'any', inputmode: 'decimal' });
    const { formEl } = checkControls('watch-point', () => {
      const la = Number(lat.value);
      const lo = Number(lon.value);
      const okLat = lat.value.trim() !== '' && Number.isFinite(la) && la >= -90 && la <= 90;
      const okLon = lon.value.trim() !== '' && Number.isFinite(lo) && lo >= -180 && lo <= 180;
      lat.setAttribute('aria-invalid', okLat ? 'false' : 'true');
      lon.setAttribute('aria-invalid', okLon ? 'false' : 'true');
      if (!okLat) lat.focus();
      else if (!okLon) lon.focus();
      return okLat && okLon ? { lat: la, lon: lo } : null;
    });
    formEl.querySelector('.watch-check-fields').prepend(
      h('div', {}, h('label', { for: lat.id }, t('watch.check.lat')), lat),
      h('div', {}, h('label', { for: lon.id }, t('watch.check.lon')), lon));
    mount(pointCheck, h('details', {}, h('summary', {}, t('watch.check.byCoords')), formEl));
  }

  // --- the form ------------------------------------------------------------------------------
  let form = null;
  const editable = isAdmin;

  function buildForm(initial) {
    const steps = initial.magnitude_steps.map((s) => ({ ...s }));
    const errors = {};
    const errorEl = (key) => {
      errors[key] = h('p', { class: 'field-error', id: `watch-${key}-error`, role: 'alert', hidden: true });
      return errors[key];
    };

    const enabled = h('input', { type: 'checkbox', id: 'watch-enabled', checked: !!initial.enabled, disabled: !editable });
    const buffer = h('input', {
      type: 'number', id: 'watch-buffer', min: 0, max: limits.buffer_km_max, step: 'any', inputmode: 'decimal',
      value: initial.buffer_km ?? '', disabled: !editable, 'aria-describedby': 'watch-buffer-hint watch-buffer-error',
    });
    const bufferErr = errorEl('buffer');
    const preview = debounce(() => {
      const v = buffer.value.trim();
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) return;
      loadArea(n);
    }, PREVIEW_DEBOUNCE_MS);
    buffer.addEventListener('input', preview);

    const stepsBody = h('tbody', { id: 'watch-step-rows' });
    const stepsErr = errorEl('steps');
    const addStep = editable ? h('button', {
      class: 'btn btn-secondary', type: 'button', id: 'watch-step-add',
      onClick: () => {
        // A new step before the last one (which covers any depth), deeper than the one before it.
        const at = Math.max(steps.length - 1, 0);
        const prev = at > 0 ? Number(steps[at - 1].max_depth_km) || 0 : 0;
        const next = steps[at] && Number.isFinite(steps[at].max_depth_km) ? steps[at].max_depth_km : limits.depth_km_max;
        // Twice the depth before (70 km for a first step), kept above it and below the next.
        const doubled = prev > 0 ? prev * 2 : DEMO_RULES.magnitude_steps[0].max_depth_km;
        const depth = doubled < next ? doubled : Math.round((prev + next) / 2);
        steps.splice(at, 0, { max_depth_km: depth, min_mag: steps[at] ? steps[at].min_mag : DEMO_RULES.magnitude_steps[0].min_mag });
        paintSteps();
        stepsBody.querySelector(`#watch-step-${at}-depth`)?.focus();
      },
    }, t('watch.rules.steps.add')) : null;

    function paintSteps() {
      stepsBody.replaceChildren(...steps.map((s, i) => {
        const n = i + 1;
        const last = i === steps.length - 1;
        const anyDepth = last && (s.max_depth_km === null || s.max_depth_km === undefined);
        const depthCell = anyDepth
          ? h('td', { class: 'watch-any-depth' }, t('watch.rules.steps.anyDepth'))
          : h('td', {},
            h('label', { for: `watch-step-${i}-depth`, class: 'visually-hidden' }, t('watch.rules.steps.depthLabel', { n })),
            h('span', { class: 'watch-step-text watch-step-prefix' }, t('watch.rules.steps.atMost')),
            h('span', { class: 'watch-step-depth' }, h('input', {
              type: 'number', id: `watch-step-${i}-depth`, class: 'watch-step-input', min: 0, max: limits.depth_km_max, step: 'any', inputmode: 'decimal',
              value: s.max_depth_km ?? '', disabled: !editable, 'aria-describedby': 'watch-steps-error',
              onInput: (ev) => { s.max_depth_km = ev.target.value.trim() === '' ? NaN : Number(ev.target.value); },
            }), ' ',
            h('span', { class: 'watch-step-text' }, t('watch.rules.steps.kmDeep'))));
        const magCell = h('td', { class: 'watch-mag-cell' },
          h('label', { for: `watch-step-${i}-mag`, class: 'visually-hidden' }, t('watch.rules.steps.magLabel', { n })),
          h('span', { class: 'watch-step-text', dir: 'ltr' }, 'M ≥'), ' ',
          h('input', {
            type: 'number', id: `watch-step-${i}-mag`, class: 'watch-step-input', min: limits.min_mag_min, max: limits.min_mag_max, step: '0.1', inputmode: 'decimal',
            value: Number.isFinite(s.min_mag) ? Number(s.min_mag).toFixed(1) : '', disabled: !editable, 'aria-describedby': 'watch-steps-error',
            onInput: (ev) => { s.min_mag = ev.target.value.trim() === '' ? NaN : Number(ev.target.value); },
          }));
        const cells = [depthCell, magCell];
        if (editable) {
          cells.push(h('td', {}, last || steps.length < 2 ? null : h('button', {
            class: 'btn btn-secondary watch-step-remove', type: 'button', id: `watch-step-${i}-remove`,
            onClick: () => {
              steps.splice(i, 1);
              paintSteps();
              (stepsBody.querySelector(`#watch-step-${Math.min(i, steps.length - 1)}-mag`) || addStep)?.focus();
            },
          }, t('watch.rules.steps.remove'), h('span', { class: 'visually-hidden' }, ` ${t('watch.rules.steps.removeRow', { n })}`))));
        }
        return h('tr', { 'data-step': i }, cells);
      }));
      if (addStep) addStep.disabled = steps.length >= limits.steps_max;
    }
    paintSteps();

    const stepsTable = h('div', { class: 'table-wrap' }, h('table', { id: 'watch-steps', class: 'watch-steps', 'aria-describedby': 'watch-steps-hint' },
      h('caption', {}, t('watch.rules.steps.caption')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('watch.rules.steps.depth')),
        h('th', { scope: 'col' }, t('watch.rules.steps.mag')),
        editable ? h('th', { scope: 'col' }, t('watch.rules.steps.actions')) : null)),
      stepsBody));

    // Trusted sources: the configured ones, and any stored one no longer configured.
    const names = [...new Set([...(rules.sources || []), ...(initial.trusted_sources || [])])];
    const trusted = new Set(initial.trusted_sources || []);
    const trustedErr = errorEl('trusted');
    const boxes = names.map((name, i) => h('input', { type: 'checkbox', id: `watch-trusted-${i}`, value: name, checked: trusted.has(name), disabled: !editable, 'aria-describedby': 'watch-trusted-hint watch-trusted-error' }));
    const trustedSet = h('fieldset', { class: 'watch-fieldset', id: 'watch-trusted' },
      h('legend', {}, t('watch.rules.trusted')),
      h('p', { class: 'muted', id: 'watch-trusted-hint' }, t('watch.rules.trustedHint')),
      names.length
        ? h('ul', { class: 'watch-trusted-list' }, names.map((name, i) => h('li', { class: 'watch-check-row' },
          boxes[i],
          h('label', { for: boxes[i].id }, name, (rules.sources || []).includes(name) ? '' : ` ${t('watch.rules.trustedGone')}`))))
        : h('p', { class: 'muted' }, t('watch.rules.trustedNone')),
      trustedErr);

    const draftFrom = h('select', { id: 'watch-draft-from', disabled: !editable, 'aria-describedby': 'watch-draft-error' },
      LEVELS.map((l) => h('option', { value: l, selected: l === initial.draft_from }, t(`incident.level.${l}`))));
    const draftErr = errorEl('draft');
    const formErr = errorBox();
    const save = editable ? h('button', { class: 'btn', type: 'submit', id: 'watch-save' }, t('watch.rules.save')) : null;

    /** The control and the error line of a field the server names. */
    function target(fieldName) {
      const m = /^magnitude_steps\[(\d+)\]\.(max_depth_km|min_mag)$/.exec(fieldName || '');
      if (m) {
        const input = stepsBody.querySelector(`#watch-step-${m[1]}-${m[2] === 'min_mag' ? 'mag' : 'depth'}`) || stepsBody.querySelector('input');
        return [input, stepsErr];
      }
      if (fieldName === 'buffer_km') return [buffer, bufferErr];
      if (fieldName === 'magnitude_steps') return [stepsBody.querySelector('input'), stepsErr];
      if (/^trusted_sources/.test(fieldName || '')) {
        const k = /\[(\d+)\]/.exec(fieldName);
        const name = k ? (collect().trusted_sources || [])[Number(k[1])] : null;
        return [boxes.find((b) => b.value === name) || boxes[0], trustedErr];
      }
      if (fieldName === 'draft_from') return [draftFrom, draftErr];
      if (fieldName === 'enabled') return [enabled, null];
      return [null, null];
    }

    function clearErrors() {
      clearFieldErrors(formEl, errors, formErr);
    }

    function showError(fieldName, message, focus = true) {
      showFieldError(target, formErr, fieldName, message, focus);
    }

    function clearError(fieldName) {
      const [input, box] = target(fieldName);
      if (box) {
        box.textContent = '';
        box.hidden = true;
      }
      if (input) input.setAttribute('aria-invalid', 'false');
    }

    function collect() {
      return {
        enabled: enabled.checked,
        buffer_km: buffer.value.trim() === '' ? NaN : Number(buffer.value),
        magnitude_steps: steps.map((s, i) => ({
          max_depth_km: i === steps.length - 1 && (s.max_depth_km === null || s.max_depth_km === undefined) ? null : s.max_depth_km,
          min_mag: s.min_mag,
        })),
        trusted_sources: boxes.filter((b) => b.checked).map((b) => b.value),
        draft_from: draftFrom.value,
      };
    }

    const formEl = h('form', {
      id: 'watch-rules-form', class: 'watch-form', novalidate: true, 'aria-labelledby': 'watch-rules-h',
      onSubmit: async (ev) => {
        ev.preventDefault();
        if (!editable) return;
        clearErrors();
        const body = collect();
        // Only what the browser cannot send is checked here; the server checks the rest.
        if (!Number.isFinite(body.buffer_km)) return showError('buffer_km', t('watch.rules.number'));
        for (const [i, s] of body.magnitude_steps.entries()) {
          if (s.max_depth_km !== null && !Number.isFinite(s.max_depth_km)) return showError(`magnitude_steps[${i}].max_depth_km`, t('watch.rules.number'));
          if (!Number.isFinite(s.min_mag)) return showError(`magnitude_steps[${i}].min_mag`, t('watch.rules.number'));
        }
        save.disabled = true;
        try {
          rules = await put(`/api/orgs/${encodeURIComponent(code)}/watch-rules`, body);
          if (disposed) return;
          toast(t('watch.rules.saved'));
          paintNotes();
          renderForm(rules);
          loadArea(null);
          document.getElementById('watch-save')?.focus();
        } catch (err) {
          if (err.status === 422 && err.field) showError(err.field, err.message);
          else formErr.show(err);
        } finally {
          if (save) save.disabled = false;
        }
      },
    },
    h('div', { class: 'watch-check-row' }, enabled, h('label', { for: enabled.id }, t('watch.rules.enabled'))),
    h('div', { class: 'field' },
      h('div', { class: 'watch-buffer-row' },
        h('label', { for: buffer.id }, about('watch.rules.buffer')), buffer, h('span', {}, t('watch.rules.km'))),
      h('p', { class: 'muted', id: 'watch-buffer-hint' }, t('watch.rules.bufferHint', { max: fmtNum(limits.buffer_km_max) })),
      bufferErr),
    stepsTable,
    h('p', { class: 'muted', id: 'watch-steps-hint' }, t('watch.rules.steps.hint', { max: limits.steps_max })),
    stepsErr,
    addStep ? h('div', { class: 'actions watch-step-actions' }, addStep) : null,
    trustedSet,
    h('div', { class: 'field' },
      h('label', { for: draftFrom.id }, t('watch.rules.draftFrom')), draftFrom, draftErr),
    formErr,
    save ? h('div', { class: 'actions' }, save) : null);

    return { el: formEl, showError, clearError };
  }

  function renderForm(values) {
    form = buildForm(values);
    mount(formHost, form.el);
  }

  paintNotes();
  // No rules yet: a non-admin reads the note; the admin starts from the demo defaults.
  const start = rules.origin === 'none' ? (isAdmin ? { ...DEMO_RULES, magnitude_steps: DEMO_RULES.magnitude_steps.map((s) => ({ ...s })) } : null) : rules;
  if (start) renderForm(start);
  await loadArea(start && rules.origin === 'none' ? start.buffer_km : null);
  return cleanup;
}
