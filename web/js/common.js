// Widgets shared by several views.
import { h } from './dom.js';
import { t } from './i18n.js';

/**
 * Whether the API marks a record as an exercise record: an explicit `exercise: true`, a
 * `mode: "exercise"`, or a CAP alert whose <status> is Exercise.
 */
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
