// The signed-in user, their CSRF token and the organisation directory.
import { get, post, setCsrfToken, ApiError } from './api.js';

let currentUser = null;
let orgs = [];

export function user() {
  return currentUser;
}

export function hasRole(role) {
  return !!currentUser && Array.isArray(currentUser.roles) && currentUser.roles.includes(role);
}

/** True when the signed-in user's session runs in exercise mode (the API marks it so). */
export function exerciseMode() {
  return !!currentUser && (currentUser.exercise === true || currentUser.mode === 'exercise');
}

export function eventsUrl() {
  return '/api/events';
}

export function orgList() {
  return orgs;
}

export function orgName(code) {
  const o = orgs.find((x) => x.code === code);
  return o ? o.name : code;
}

async function loadOrgs() {
  try {
    const res = await get('/api/orgs');
    orgs = (res && res.items) || [];
  } catch (err) {
    console.warn('orgs', err);
    orgs = [];
  }
}

function accept(res) {
  currentUser = res.user;
  setCsrfToken(res.csrf_token);
  const org = orgs.find((o) => o.code === currentUser.org);
  currentUser.org_name = org ? org.name : currentUser.org;
  if (res.exercise === true) currentUser.exercise = true;
}

/** Resume an existing cookie session, if any. */
export async function restore() {
  await loadOrgs();
  try {
    accept(await get('/api/me'));
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) console.warn('session', err);
    currentUser = null;
  }
}

export async function login(username, password) {
  if (!orgs.length) await loadOrgs();
  accept(await post('/api/login', { username, password }));
  return currentUser;
}

/** Forget the session locally (the server already ended it). */
export function expire() {
  currentUser = null;
  setCsrfToken(null);
}

export async function logout() {
  try {
    await post('/api/logout', undefined);
  } catch (err) {
    console.warn('logout', err);
  }
  currentUser = null;
  setCsrfToken(null);
}
