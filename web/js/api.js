// HTTP client for the Forewarn API (contract: docs/api.md). Same-origin only: every
// request goes to the host that served the page.

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status
   * @param {any} body parsed JSON error body, if any
   */
  constructor(status, body) {
    super((body && (body.message || body.error)) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    /** Name of the offending field, when the server names one. */
    this.field = body && (body.field || (body.error && body.error.field)) || null;
  }
}

let csrfToken = null;
let exerciseId = null;

/**
 * Put every later API request in a live exercise's scope (the Forewarn-Exercise header), or
 * back in real operations with null.
 */
export function setExercise(id) {
  exerciseId = id == null ? null : Number(id);
}
let onUnauthorised = null;

/** Called when the server answers 401 to a request made with a session (it has expired). */
export function setUnauthorisedHandler(fn) {
  onUnauthorised = fn;
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

function newIdempotencyKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Send a request. Unsafe methods carry the CSRF token and an Idempotency-Key, so a retried
 * click or a network retry never creates a record twice.
 * @param {string} method
 * @param {string} path
 * @param {any} [body] JSON body
 * @param {{idempotencyKey?: string, idempotent?: boolean, accept?: string}} [opts]
 *   `idempotent: false` sends no key (for read-only POSTs such as validation)
 */
export async function request(method, path, body, opts = {}) {
  const headers = { Accept: opts.accept || 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (exerciseId != null && path.startsWith('/api/')) {
    headers['Forewarn-Exercise'] = String(exerciseId);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
    if (opts.idempotent !== false) headers['Idempotency-Key'] = opts.idempotencyKey || newIdempotencyKey();
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  const res = await fetch(path, init);
  const type = res.headers.get('content-type') || '';
  let parsed = null;
  if (type.includes('json')) {
    parsed = await res.json().catch(() => null);
  } else if (res.status !== 204) {
    parsed = await res.text();
  }
  if (!res.ok) {
    const err = new ApiError(res.status, parsed);
    if (res.status === 401 && onUnauthorised && path !== '/api/login' && path !== '/api/me') onUnauthorised(err);
    throw err;
  }
  return parsed;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body, opts);
export const put = (path, body, opts) => request('PUT', path, body, opts);
