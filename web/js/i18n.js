// UI strings live in /i18n/<lang>.json; this module loads them and translates keys.
const SUPPORTED = ['en', 'ru', 'zh', 'ur'];
/** Languages written right to left: the page's direction follows the UI language. */
const RTL = new Set(['ur']);
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
    const browser = (navigator.language || 'en').toLowerCase().slice(0, 2);
    wanted = SUPPORTED.includes(browser) ? browser : 'en';
  }
  await setLang(wanted);
}

export async function setLang(code) {
  if (!SUPPORTED.includes(code)) return;
  strings = code === 'en' ? fallback : await load(code);
  lang = code;
  localStorage.setItem(STORAGE_KEY, code);
  document.documentElement.lang = code;
  document.documentElement.dir = RTL.has(code) ? 'rtl' : 'ltr';
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
  // In right-to-left text a value (a Latin name, a time, a number with signs) is isolated so
  // that it neither reorders nor is reordered by the words around it (Unicode bidi: FSI..PDI).
  return fill(key, vars, RTL.has(lang) ? ['\u2068', '\u2069'] : ['', '']);
}

/** [`t`] without bidi isolation: for text that is stored or sent (a title), not displayed. */
export function tPlain(key, vars = {}) {
  return fill(key, vars, ['', '']);
}

function fill(key, vars, [open, close]) {
  const template = strings[key] ?? fallback[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? `${open}${vars[name]}${close}` : `{${name}}`));
}

/** Whether the UI language is written right to left. */
export function isRtlLang() {
  return RTL.has(lang);
}
