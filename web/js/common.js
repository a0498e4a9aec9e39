// Widgets shared by several views.
import { h } from './dom.js';
import { t, currentLang } from './i18n.js';
import * as session from './session.js';

/**
 * Whether the API marks a record as an exercise record: an explicit `exercise: true`, a
 * `mode: "exercise"`, or a CAP alert whose <status> is Exercise.
 */
/** An alert's headline in the UI's language when its text has one, else the English (or first). */
export function alertHeadline(alert) {
  const byLang = alert.headlines || {};
  return byLang[currentLang()] || alert.headline || '';
}

export function isExercise(record) {
  if (!record || typeof record !== 'object') return false;
  if (record.exercise === true || record.mode === 'exercise') return true;
  if (record.exercise_id != null) return true;
  if (record.cap_status === 'Exercise') return true;
  if (record.payload && record.payload !== record) return isExercise(record.payload);
  return false;
}

/** The visible EXERCISE marker, or nothing. */
export function exerciseBadge(record) {
  return isExercise(record) ? h('span', { class: 'exercise-badge', 'data-exercise': '1' }, t('exercise.badge')) : null;
}

/** A status pill with a translated label. */
export function statusPill(prefix, status) {
  if (!status) return null;
  return h('span', { class: `status status-${status}`, 'data-status': status }, t(`${prefix}.${status}`));
}

/** Human-readable text of an API error, naming the field when the server names one. */
export function errorText(err) {
  if (!err) return '';
  if (err.status === 401) return t('error.unauthorised');
  if (err.status === 403 && err.field !== 'X-CSRF-Token') return `${t('error.forbidden')} ${err.message || ''}`.trim();
  const field = err.field ? ` (${err.field})` : '';
  return `${err.message || String(err)}${field}`;
}

/** An inline error message region (role=alert so screen readers announce it). */
export function errorBox() {
  const el = h('p', { class: 'field-error', role: 'alert' });
  el.hidden = true;
  el.show = (err) => {
    el.textContent = typeof err === 'string' ? err : errorText(err);
    el.hidden = !el.textContent;
  };
  el.clear = () => {
    el.textContent = '';
    el.hidden = true;
  };
  return el;
}

/** A labelled form control. */
export function field(id, labelKey, control, hintKey) {
  control.id = id;
  const hint = hintKey ? h('p', { class: 'muted', id: `${id}-hint` }, t(hintKey)) : null;
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)), control, hint);
}

export function visibilitySelect(allowed, selected) {
  return h(
    'select',
    { name: 'visibility' },
    allowed.map((v) => h('option', { value: v, selected: v === selected }, t(`visibility.${v}`))),
  );
}

/**
 * The time zone of each organisation, by its country code (the org code for the regional
 * coordination centre), used when the API gives an organisation no `time_zone`.
 * docs/operations.md ("Times") lists the same table.
 */
export const ORG_TIME_ZONES = Object.freeze({
  pk: 'Asia/Karachi',
  in: 'Asia/Kolkata',
  cn: 'Asia/Shanghai',
  ru: 'Europe/Moscow',
  kz: 'Asia/Almaty',
  kg: 'Asia/Bishkek',
  tj: 'Asia/Dushanbe',
  uz: 'Asia/Tashkent',
  ir: 'Asia/Tehran',
  by: 'Europe/Minsk',
  af: 'Asia/Kabul',
  mn: 'Asia/Ulaanbaatar',
  rc: 'UTC',
});

/** The IANA time zone of an organisation record (`/api/orgs` item): its own, else the table, else UTC. */
export function orgTimeZone(org) {
  if (!org) return 'UTC';
  if (org.time_zone) return org.time_zone;
  const code = String(org.country_iso2 || org.code || '').toLowerCase();
  return ORG_TIME_ZONES[code] || ORG_TIME_ZONES[String(org.code || '').toLowerCase()] || 'UTC';
}

/** The time zone of the signed-in user's organisation (UTC when nobody is signed in). */
export function userTimeZone() {
  const me = session.user();
  if (!me) return 'UTC';
  return orgTimeZone(session.orgList().find((o) => o.code === me.org) || { code: me.org });
}

/** `YYYY-MM-DD HH:MM` of a Date in an IANA time zone. */
function isoMinutes(d, timeZone) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(d);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/**
 * An ISO timestamp as the UI shows every date and time: in the organisation's time zone and
 * in UTC, e.g. `2026-12-06 19:16 Asia/Karachi (2026-12-06 14:16 UTC)`; UTC once when the
 * zone is UTC. `timeZone` defaults to the signed-in user's organisation's.
 */
export function fmtTime(iso, timeZone = userTimeZone()) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const utc = `${isoMinutes(d, 'UTC')} UTC`;
  if (timeZone === 'UTC') return utc;
  try {
    return `${isoMinutes(d, timeZone)} ${timeZone} (${utc})`;
  } catch {
    // An unknown zone name: UTC only rather than a wrong local time.
    return utc;
  }
}
