// Forewarn web UI: application shell, session and hash router.
import { h, mount } from './dom.js';
import { initI18n, setLang, currentLang, onLangChange, t } from './i18n.js';
import * as sse from './sse.js';
import * as session from './session.js';
import { get, setUnauthorisedHandler } from './api.js';
import { renderLogin } from './views/login.js';
import { renderMap } from './views/map.js';
import { renderIncidents } from './views/incidents.js';
import { renderIncidentPage } from './views/incident_page.js';
import { renderComposer } from './views/composer.js';
import { renderApprovals } from './views/approvals.js';
import { renderBoard } from './views/board.js';
import { renderActivity } from './views/activity.js';
import { renderWatch } from './views/watch.js';
import { renderExercise } from './views/exercise.js';
import { renderSitreps } from './views/sitreps.js';
import { initAttention, resetAttention } from './attention.js';

const ROUTES = [
  { path: 'map', key: 'nav.map', render: renderMap },
  { path: 'incidents', key: 'nav.incidents', render: renderIncidents },
  { path: 'compose', key: 'nav.compose', render: renderComposer },
  { path: 'approvals', key: 'nav.approvals', render: renderApprovals },
  { path: 'board', key: 'nav.board', render: renderBoard },
  { path: 'sitreps', key: 'nav.sitreps', render: renderSitreps },
  { path: 'activity', key: 'nav.activity', render: renderActivity },
  { path: 'watch', key: 'nav.watch', render: renderWatch },
  { path: 'exercise', key: 'nav.exercise', render: renderExercise },
  // Screens reached by links, not listed in the navigation (`nav` names the item to mark).
  { path: 'incident', key: 'nav.incidents', render: renderIncidentPage, nav: 'incidents' },
];

const main = document.getElementById('main');
let cleanup = null;

/** Show a transient message in the corner (screen readers hear it through aria-live). */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toast');
  const item = h('div', { class: kind === 'error' ? 'error' : '' }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 9000 : 5000);
}

function applyStaticStrings() {
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.getElementById('lang-select').value = currentLang();
  document.title = `Forewarn — ${t('app.tagline')}`;
}

function renderNav(active) {
  const nav = document.getElementById('nav');
  const user = session.user();
  nav.hidden = !user;
  if (!user) return;
  mount(
    nav,
    ROUTES.filter((r) => !r.nav).map((r) =>
      h('a', { href: `#/${r.path}`, 'aria-current': r.path === active ? 'page' : false, id: `nav-${r.path}` }, t(r.key)),
    ),
  );
  paintQueueBadge();
}

// Drafts of the user's organisation that this approver may approve, shown on the nav link.
let queueCount = 0;
function paintQueueBadge() {
  const link = document.getElementById('nav-approvals');
  if (!link) return;
  link.querySelector('.badge-count')?.remove();
  if (queueCount > 0) {
    link.append(h('span', { class: 'badge-count', 'aria-label': t('nav.queueCount', { n: queueCount }) }, String(queueCount)));
  }
}

async function refreshQueueCount() {
  const user = session.user();
  if (!user || !session.hasRole('approver')) {
    queueCount = 0;
    paintQueueBadge();
    return;
  }
  try {
    const drafts = (await get('/api/alerts?status=draft')).items || [];
    queueCount = drafts.filter((a) => a.org === user.org && a.drafted_by !== user.username).length;
  } catch {
    queueCount = 0;
  }
  paintQueueBadge();
}

function renderWho() {
  const user = session.user();
  const who = document.getElementById('whoami');
  const logout = document.getElementById('logout');
  logout.hidden = !user;
  // The name only; the organisation in the tooltip (the header stays one row).
  who.textContent = user ? user.username : '';
  who.title = user ? `${user.username} · ${session.orgName(user.org)}` : '';
  const banner = document.getElementById('exercise-banner');
  const ex = session.exerciseMode() ? session.exercise() : null;
  banner.hidden = !ex;
  banner.textContent = ex ? `${t('exercise.badge')} · ${ex.name}` : t('exercise.badge');
  banner.title = banner.textContent;
  // Every screen of an exercise is framed in the exercise colour.
  document.body.classList.toggle('exercise-mode', !!ex);
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, ...rest] = raw.split('/');
  return { path: path || 'map', params: rest.map(decodeURIComponent) };
}

async function route() {
  if (cleanup) {
    try {
      cleanup();
    } catch (err) {
      console.error(err);
    }
    cleanup = null;
  }
  renderWho();
  if (!session.user()) {
    renderNav(null);
    cleanup = renderLogin(main, { onLogin: afterLogin });
    return;
  }
  const { path, params } = parseHash();
  const r = ROUTES.find((x) => x.path === path) || ROUTES[0];
  renderNav(r.nav || r.path);
  main.dataset.view = r.path;
  try {
    cleanup = (await r.render(main, { params, toast, switchExercise })) || null;
  } catch (err) {
    console.error(err);
    mount(main, h('div', { class: 'panel', role: 'alert' }, t('error.load'), ' ', String(err.message || err)));
  }
}

/** Switch this tab into or out of an exercise: new API scope and a new event stream. */
export function switchExercise(ex) {
  session.setCurrentExercise(ex);
  sse.connect(session.eventsUrl());
  refreshQueueCount();
  if (location.hash === '#/exercise') route();
  else location.hash = '#/exercise';
}

function afterLogin() {
  resetAttention();
  sse.connect(session.eventsUrl());
  refreshQueueCount();
  if (!location.hash || location.hash === '#/' || location.hash === '#/login') {
    // The hashchange handler routes; routing here as well would draw the map twice and
    // cancel the first one's downloads.
    location.hash = '#/map';
    return;
  }
  route();
}

async function start() {
  await initI18n();
  applyStaticStrings();
  initAttention();
  document.getElementById('lang-select').addEventListener('change', (ev) => setLang(ev.target.value));
  onLangChange(() => {
    applyStaticStrings();
    route();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await session.logout();
    sse.disconnect();
    resetAttention();
    location.hash = '#/';
    route();
  });
  setUnauthorisedHandler(() => {
    if (!session.user()) return;
    session.expire();
    sse.disconnect();
    resetAttention();
    toast(t('error.unauthorised'), 'error');
    route();
  });
  sse.onStatus((state) => {
    document.body.dataset.sse = state;
  });
  window.addEventListener('hashchange', async () => {
    await route();
    // Move focus to the new screen so keyboard and screen-reader users start at its top,
    // unless the screen put it on its first field to fill in.
    const active = document.activeElement;
    if (!active || active === main || !main.contains(active)) main.focus({ preventScroll: true });
  });
  for (const kind of ['alert.drafted', 'alert.approved', 'alert.rejected', 'alert.revised']) sse.subscribe(kind, () => refreshQueueCount());
  await session.restore();
  if (session.user()) {
    sse.connect(session.eventsUrl());
    refreshQueueCount();
  }
  route();
}

start().catch((err) => {
  console.error(err);
  mount(main, h('div', { class: 'panel', role: 'alert' }, String(err.message || err)));
});
