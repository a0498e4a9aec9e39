// UI strings live in /i18n/<lang>.json; this module loads them and translates keys.
const SUPPORTED = ['en', 'ru'];
const STORAGE_KEY = 'forewarn.lang';

let lang = 'en';
let strings = {};
let fallback = {};
const listeners = new Set();

export function currentLang() {
  return lang;
}

export function supportedLangs() {
  return SUPPORTED.slice();
}

async function load(code) {
  const res = await fetch(`/i18n/${code}.json`, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`i18n ${code}: HTTP ${res.status}`);
  return res.json();
}

/** Load the saved (or browser) language and the English fallback. */
export async function initI18n() {
  fallback = await load('en');
  let wanted = localStorage.getItem(STORAGE_KEY);
  if (!SUPPORTED.includes(wanted)) {
    wanted = (navigator.language || 'en').toLowerCase().startsWith('ru') ? 'ru' : 'en';
  }
  await setLang(wanted);
}

export async function setLang(code) {
  if (!SUPPORTED.includes(code)) return;
  strings = code === 'en' ? fallback : await load(code);
  lang = code;
  localStorage.setItem(STORAGE_KEY, code);
  document.documentElement.lang = code;
  for (const fn of listeners) fn(code);
}

export function onLangChange(fn) {
  listeners.add(fn);
}

/**
 * Translate `key`, replacing `{name}` placeholders from `vars`.
 * A missing key falls back to English, then to the key itself.
 */
export function t(key, vars = {}) {
  const template = strings[key] ?? fallback[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}
