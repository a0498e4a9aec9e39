// Forewarn web UI: application shell, session and hash router.
import { h, mount } from './dom.js';
import { initI18n, setLang, currentLang, onLangChange, t } from './i18n.js';
import * as sse from './sse.js';
import * as session from './session.js';
import { renderLogin } from './views/login.js';
import { renderMap } from './views/map.js';
import { renderIncidents } from './views/incidents.js';
import { renderComposer } from './views/composer.js';
import { renderApprovals } from './views/approvals.js';
import { renderBoard } from './views/board.js';
import { renderActivity } from './views/activity.js';

const ROUTES = [
  { path: 'map', key: 'nav.map', render: renderMap },
  { path: 'incidents', key: 'nav.incidents', render: renderIncidents },
  { path: 'compose', key: 'nav.compose', render: renderComposer },
  { path: 'approvals', key: 'nav.approvals', render: renderApprovals },
  { path: 'board', key: 'nav.board', render: renderBoard },
  { path: 'activity', key: 'nav.activity', render: renderActivity },
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
    ROUTES.map((r) =>
      h('a', { href: `#/${r.path}`, 'aria-current': r.path === active ? 'page' : false, id: `nav-${r.path}` }, t(r.key)),
    ),
  );
}

function renderWho() {
  const user = session.user();
  const who = document.getElementById('whoami');
  const logout = document.getElementById('logout');
  logout.hidden = !user;
  who.textContent = user ? `${user.username} · ${user.org_name || user.org || ''}` : '';
  const banner = document.getElementById('exercise-banner');
  banner.hidden = !session.exerciseMode();
  banner.textContent = t('exercise.badge');
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
  renderNav(r.path);
  main.dataset.view = r.path;
  try {
    cleanup = (await r.render(main, { params, toast })) || null;
  } catch (err) {
    console.error(err);
    mount(main, h('div', { class: 'panel', role: 'alert' }, t('error.load'), ' ', String(err.message || err)));
  }
}

function afterLogin() {
  sse.connect(session.eventsUrl());
  if (!location.hash || location.hash === '#/' || location.hash === '#/login') location.hash = '#/map';
  route();
}

async function start() {
  await initI18n();
  applyStaticStrings();
  document.getElementById('lang-select').addEventListener('change', (ev) => setLang(ev.target.value));
  onLangChange(() => {
    applyStaticStrings();
    route();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await session.logout();
    sse.disconnect();
    location.hash = '#/';
    route();
  });
  sse.onStatus((state) => {
    document.body.dataset.sse = state;
  });
  window.addEventListener('hashchange', route);
  await session.restore();
  if (session.user()) sse.connect(session.eventsUrl());
  route();
}

start().catch((err) => {
  console.error(err);
  mount(main, h('div', { class: 'panel', role: 'alert' }, String(err.message || err)));
});
