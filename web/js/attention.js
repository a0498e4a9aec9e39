// The attention banner: what needs the signed-in user's attention now, from the live event
// stream. For the user's own organisation: a new incident (manual or automatic), a draft alert
// awaiting approval (approvers who did not write it) and an incoming offer of help. Each new
// event shows in the banner (several are counted, not piled up), plays a short tone unless
// muted, and raises a browser notification where the user allowed them. Events the user
// caused themself do not alarm them.
import { h, mount } from './dom.js';
import { t, currentLang, onLangChange } from './i18n.js';
import * as sse from './sse.js';
import * as session from './session.js';
import { alertHeadline, fmtTime, isExercise, exerciseBadge } from './common.js';
import { playTone, isMuted, setMuted } from './tone.js';

const MAX_ITEMS = 50;
// Several events within this time sound once.
const TONE_GAP_MS = 3000;
const NOTIFICATION_TAG = 'forewarn-attention';

/** @type {{key: string, kind: string, recordId: number, ts: string, exercise: boolean, [k: string]: any}[]} newest first */
let items = [];
let lastSeq = 0;
let expanded = false;
let lastToneAt = 0;
let lastNotification = null;
let els = null;

// --- Which journal entries call for attention -------------------------------------------

/** A new incident of the user's organisation. */
function incidentItem(entry, me) {
  const inc = entry.payload || {};
  if (entry.org !== me.org) return null;
  return {
    key: `incident:${entry.record_id}`, kind: 'incident', recordId: entry.record_id,
    title: inc.title || `#${entry.record_id}`, auto: inc.origin === 'auto',
    level: inc.alert_level || null, status: inc.status || 'running', flood: !!inc.flood,
  };
}

/** A draft alert of the user's organisation that this approver may approve. */
function draftItem(entry, me) {
  const alert = entry.payload || {};
  if (alert.org !== me.org || alert.status !== 'draft' || !session.hasRole('approver')) return null;
  const authors = [alert.drafted_by, ...(alert.revisions || []).map((r) => r.by)];
  if (authors.includes(me.username)) return null;
  return { key: `alert:${entry.record_id}`, kind: 'draft', recordId: entry.record_id, headline: alertHeadline(alert) };
}

/** An offer of help from another organisation to one of the user's organisation's requests. */
function offerItem(entry, me) {
  const offer = entry.payload || {};
  if (offer.request_org !== me.org || offer.org === me.org) return null;
  return { key: `offer:${entry.record_id}`, kind: 'offer', recordId: entry.record_id, fromOrg: offer.org };
}

const ALARMS = {
  'incident.created': incidentItem,
  'alert.drafted': draftItem,
  'alert.revised': draftItem,
  'offer.created': offerItem,
};

// --- Words and links ---------------------------------------------------------------------

/** The name of an organisation's country in the UI's language (the organisation's name for the regional centre). */
function countryName(orgCode) {
  const org = session.orgList().find((o) => o.code === orgCode);
  if (!org || !org.country_iso2) return session.orgName(orgCode);
  try {
    return new Intl.DisplayNames([currentLang()], { type: 'region' }).of(org.country_iso2) || session.orgName(orgCode);
  } catch {
    return session.orgName(orgCode);
  }
}

function itemText(item) {
  if (item.kind === 'incident') {
    const text = t(item.auto ? 'attention.incidentAuto' : 'attention.incident', { title: item.title });
    return item.level ? `${text} — ${t(`incident.level.${item.level}`)}` : text;
  }
  if (item.kind === 'draft') return item.headline ? t('attention.draft', { headline: item.headline }) : t('attention.draftUntitled');
  return t('attention.offer', { country: countryName(item.fromOrg) });
}

function itemHref(item) {
  if (item.kind === 'incident') {
    if (item.status !== 'complete' && item.status !== 'closed') return '#/incidents';
    // Its page (an earthquake's or a flood's), which links the map.
    return `#/incident/${item.recordId}`;
  }
  if (item.kind === 'draft') return '#/approvals';
  return '#/board';
}

// --- State ---------------------------------------------------------------------------------

function addItem(item) {
  items = [item, ...items.filter((i) => i.key !== item.key)].slice(0, MAX_ITEMS);
}

function removeItem(key) {
  items = items.filter((i) => i.key !== key);
  paint();
}

/** Forget everything shown (a new sign-in, a sign-out). */
export function resetAttention() {
  items = [];
  expanded = false;
  closeNotification();
  paint();
}

function acknowledge() {
  const hadFocus = els.root.contains(document.activeElement);
  resetAttention();
  // The focused button is gone: continue at the top of the screen.
  if (hadFocus) document.getElementById('main')?.focus({ preventScroll: true });
}

function onEntry(entry, kind) {
  const me = session.user();
  if (!me || !entry || typeof entry !== 'object') return;
  // The stream replays missed entries after a reconnect; each one alarms once.
  if (typeof entry.seq === 'number') {
    if (entry.seq <= lastSeq) return;
    lastSeq = entry.seq;
  }
  if (entry.actor === me.username) return;
  const item = ALARMS[kind](entry, me);
  if (!item) return;
  item.ts = entry.ts;
  item.exercise = isExercise(entry.payload);
  addItem(item);
  paint();
  alarm(item);
}

/** A shown incident finished its run: name its alert level and link to its page. */
function onIncidentUpdate(entry) {
  const item = items.find((i) => i.key === `incident:${entry?.record_id}`);
  if (!item || !entry.payload) return;
  item.level = entry.payload.alert_level || item.level;
  item.status = entry.payload.status || item.status;
  paint();
}

// --- Sound and notifications ---------------------------------------------------------------

function alarm(item) {
  const now = Date.now();
  if (now - lastToneAt > TONE_GAP_MS) {
    lastToneAt = now;
    playTone().catch((err) => console.warn('tone', err));
  }
  notify(item);
}

function notificationsAllowed() {
  return 'Notification' in window && Notification.permission === 'granted';
}

function canAskPermission() {
  return 'Notification' in window && Notification.permission === 'default';
}

function notificationTitle(item) {
  return item.exercise ? `${t('exercise.badge')} · ${itemText(item)}` : itemText(item);
}

function notify(item) {
  if (!notificationsAllowed()) return;
  const when = fmtTime(item.ts);
  const body = items.length > 1 ? `${t('attention.many', { n: items.length })} · ${when}` : when;
  try {
    // One tag: a newer notification replaces the previous one instead of piling up.
    const n = new Notification(notificationTitle(item), { body, tag: NOTIFICATION_TAG, renotify: true, lang: currentLang() });
    n.addEventListener('click', () => {
      window.focus();
      location.hash = itemHref(item);
      n.close();
    });
    lastNotification = n;
  } catch (err) {
    console.warn('notification', err);
  }
}

function closeNotification() {
  if (lastNotification) lastNotification.close();
  lastNotification = null;
}

/** Asked from a click (browsers ask only from a user gesture). */
async function askPermission() {
  try {
    await Notification.requestPermission();
  } catch (err) {
    console.warn('notification permission', err);
  }
  paint();
}

// --- The banner ----------------------------------------------------------------------------

function itemLink(item, id) {
  return h('a', { id, href: itemHref(item), 'data-kind': item.kind, 'data-record-id': item.recordId, onClick: () => removeItem(item.key) },
    item.exercise ? [exerciseBadge({ exercise: true }), ' '] : null, itemText(item));
}

function listEntry(item) {
  return h('li', {}, itemLink(item), ' ', h('span', { class: 'muted' }, fmtTime(item.ts)));
}

function toggleList() {
  expanded = !expanded;
  paint();
}

function toggleMute() {
  setMuted(!isMuted());
  paint();
}

/** Build the banner's fixed parts once (so focus stays on a button while events arrive). */
function build(root) {
  const message = h('div', { class: 'attention-message', role: 'alert', 'aria-live': 'assertive', 'aria-atomic': 'true', id: 'attention-message' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', id: 'attention-more', 'aria-controls': 'attention-list', onClick: toggleList });
  const notifyBtn = h('button', { type: 'button', class: 'btn btn-secondary', id: 'attention-notify', onClick: askPermission });
  const mute = h('button', { type: 'button', class: 'btn btn-secondary', id: 'attention-mute', onClick: toggleMute });
  const ack = h('button', { type: 'button', class: 'btn', id: 'attention-ack', onClick: acknowledge });
  const list = h('ul', { class: 'attention-list', id: 'attention-list' });
  mount(root, h('div', { class: 'attention-row' }, message, h('div', { class: 'attention-actions' }, more, notifyBtn, mute, ack)), list);
  root.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') acknowledge();
  });
  return { root, message, more, notify: notifyBtn, mute, ack, list };
}

function paintMessage(latest) {
  const count = items.length > 1 ? h('strong', { id: 'attention-count' }, t('attention.many', { n: items.length })) : null;
  mount(els.message, count, count ? ' · ' : null, itemLink(latest, 'attention-latest'), ' ', h('span', { class: 'muted' }, fmtTime(latest.ts)));
}

function paintControls() {
  els.root.setAttribute('aria-label', t('attention.label'));
  els.more.hidden = items.length < 2;
  els.more.textContent = t(expanded ? 'attention.hideAll' : 'attention.showAll');
  els.more.setAttribute('aria-expanded', String(expanded));
  els.notify.hidden = !canAskPermission();
  els.notify.textContent = t('attention.enableNotifications');
  els.mute.textContent = t('attention.mute');
  els.mute.setAttribute('aria-pressed', String(isMuted()));
  els.ack.textContent = t('attention.acknowledge');
}

function paint() {
  if (!els) return;
  els.root.hidden = items.length === 0;
  els.root.dataset.count = String(items.length);
  paintControls();
  if (!items.length) {
    els.message.replaceChildren();
    els.list.replaceChildren();
    els.list.hidden = true;
    return;
  }
  paintMessage(items[0]);
  els.list.hidden = !expanded || items.length < 2;
  mount(els.list, els.list.hidden ? null : items.map(listEntry));
}

/** Attach the banner to `#attention` and listen to the event stream. */
export function initAttention() {
  const root = document.getElementById('attention');
  if (!root) return;
  els = build(root);
  for (const kind of Object.keys(ALARMS)) sse.subscribe(kind, (entry) => onEntry(entry, kind));
  for (const kind of ['incident.completed', 'incident.failed', 'incident.closed']) sse.subscribe(kind, onIncidentUpdate);
  onLangChange(paint);
  paint();
}
