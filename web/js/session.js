// The signed-in user, their CSRF token and the organisation directory.
import { get, post, setCsrfToken, setExercise, ApiError } from './api.js';
import { currentLang } from './i18n.js';

let currentUser = null;
let orgs = [];
// The live exercise this browser tab works in (kept per tab, so two tabs can differ).
const EXERCISE_KEY = 'forewarn.exercise';
let currentExercise = null;
try {
  currentExercise = JSON.parse(sessionStorage.getItem(EXERCISE_KEY) || 'null');
} catch {
  currentExercise = null;
}
setExercise(currentExercise ? currentExercise.id : null);

/** The exercise this tab works in: {id, name}, or null for real operations. */
export function exercise() {
  return currentExercise;
}

/** Work inside exercise `ex` ({id, name}); null leaves it. */
export function setCurrentExercise(ex) {
  currentExercise = ex ? { id: ex.id, name: ex.name } : null;
  if (currentExercise) sessionStorage.setItem(EXERCISE_KEY, JSON.stringify(currentExercise));
  else sessionStorage.removeItem(EXERCISE_KEY);
  setExercise(currentExercise ? currentExercise.id : null);
}

export function user() {
  return currentUser;
}

export function hasRole(role) {
  return !!currentUser && Array.isArray(currentUser.roles) && currentUser.roles.includes(role);
}

/** True when this tab works inside a live exercise. */
export function exerciseMode() {
  return !!currentUser && !!currentExercise;
}

export function eventsUrl() {
  return currentExercise ? `/api/events?exercise=${currentExercise.id}` : '/api/events';
}

export function orgList() {
  return orgs;
}

/** An organisation's name in the UI language when it gave one (`names`), else its name. */
export function orgName(code) {
  const o = orgs.find((x) => x.code === code);
  if (!o) return code;
  return (o.names && o.names[currentLang()]) || o.name;
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
  setCurrentExercise(null);
  try {
    await post('/api/logout', undefined);
  } catch (err) {
    console.warn('logout', err);
  }
  currentUser = null;
  setCsrfToken(null);
}
