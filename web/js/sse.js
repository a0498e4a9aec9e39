// One EventSource per signed-in user. The server filters events by the same authorisation
// rules as the API; views subscribe by event type.
const handlers = new Map();

/** Event types the server sends (docs/api.md): every journal entry kind, plus progress. */
export const EVENT_TYPES = [
  'user.created', 'token.created', 'token.revoked',
  'incident.created', 'incident.started', 'incident.taken_over', 'incident.completed', 'incident.failed', 'incident.closed', 'incident.progress',
  'alert.drafted', 'alert.revised', 'alert.approved', 'alert.rejected', 'alert.published', 'alert.superseded', 'alert.cancelled',
  'request.created', 'request.closed',
  'offer.created', 'offer.accepted', 'offer.declined', 'offer.withdrawn', 'offer.status', 'offer.released',
  'sitrep.created',
  'exercise.created', 'exercise.started', 'exercise.paused', 'exercise.resumed', 'exercise.speed',
  'exercise.jumped', 'exercise.ended', 'exercise.interrupted', 'exercise.taken_over',
  'exercise.inject', 'exercise.message', 'exercise.hazard',
];
let source = null;
let statusListener = null;

export function onStatus(fn) {
  statusListener = fn;
}

/**
 * Subscribe to a server-sent event type (or '*' for all). Returns an unsubscribe function.
 * @param {string} type
 * @param {(data: any, type: string) => void} fn
 */
export function subscribe(type, fn) {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type).add(fn);
  if (source) listen(type);
  return () => handlers.get(type)?.delete(fn);
}

const attached = new Set();
function listen(type) {
  if (type === '*' || attached.has(type)) return;
  attached.add(type);
  source.addEventListener(type, (ev) => dispatch(type, ev));
}

function dispatch(type, ev) {
  let data = ev.data;
  try {
    data = JSON.parse(ev.data);
  } catch {
    // non-JSON payloads are passed through as text
  }
  for (const fn of handlers.get(type) || []) fn(data, type);
  for (const fn of handlers.get('*') || []) fn(data, type);
}

export function connect(url) {
  disconnect();
  const es = new EventSource(url, { withCredentials: true });
  source = es;
  attached.clear();
  source.addEventListener('message', (ev) => dispatch('message', ev));
  for (const type of EVENT_TYPES) listen(type);
  for (const type of handlers.keys()) listen(type);
  es.addEventListener('open', () => statusListener && statusListener('open'));
  es.addEventListener('error', () => statusListener && statusListener(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
}

export function disconnect() {
  if (source) source.close();
  source = null;
  attached.clear();
}
