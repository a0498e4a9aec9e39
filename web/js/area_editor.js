// The composer's "Area" panel: a map of the message's areas (those of its first <info>) and
// four ways to set them in every language: the incident's shaking (an MMI contour of its
// estimate), countries of the region, their provinces (first-level administrative units,
// named in each language), or an outline drawn on the map. New areas are shown
// dashed until applied; applying writes one <area> per shaking level, country or drawing into
// every <info>, with a description in that block's language and one CAP polygon per outer ring
// ("lat,lon" pairs, WGS 84, closed, at most MAX_POLYGON_POINTS points, 4 decimals, not
// crossing itself: what the server's validator accepts without a warning).
import { h, mount, debounce } from './dom.js';
import { t, currentLang, supportedLangs } from './i18n.js';
import { get } from './api.js';
import { errorText } from './common.js';
import * as session from './session.js';
import { capAreas, bbox } from './cap_area.js';
import { EMPTY, smallMap } from './small_map.js';
import { areas, infos, infoLanguage, isRtl, serializeCap, setAreas } from './cap_form.js';

/** Most points of one polygon, the closing one included (validator: a warning above 100). */
export const MAX_POLYGON_POINTS = 100;
/** Decimals of a written coordinate (about 11 m). */
const DECIMALS = 4;
/** Most polygons written for one area (the largest parts); smaller parts are left out. */
const MAX_POLYGONS_PER_AREA = 20;
/** Parts smaller than this share of an area's largest part are left out. */
const MIN_PART_SHARE = 0.002;
/** The shaking levels offered (MMI, the contour at or above each). */
export const MMI_LEVELS = [6, 7, 8];
const DEFAULT_MMI = 7;
const ROMAN = ['', 'I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'];
const DRAWN_KEY = 'drawn';

// --- geometry (lon/lat pairs, planar: rings are small against the globe) --------------------

const same = (a, b) => a[0] === b[0] && a[1] === b[1];

/** The ring's vertices without consecutive repeats and without the closing point. */
function distinct(ring) {
  const v = [];
  for (const p of ring) if (!v.length || !same(v[v.length - 1], p)) v.push(p);
  while (v.length > 1 && same(v[0], v[v.length - 1])) v.pop();
  return v;
}

/** Signed area (square degrees), positive counter-clockwise. */
export function ringArea(ring) {
  const v = distinct(ring);
  let twice = 0;
  for (let i = 0; i < v.length; i++) {
    const a = v[i];
    const b = v[(i + 1) % v.length];
    twice += a[0] * b[1] - b[0] * a[1];
  }
  return twice / 2;
}

const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
const onSegment = (p, a, b) => p[0] >= Math.min(a[0], b[0]) && p[0] <= Math.max(a[0], b[0]) && p[1] >= Math.min(a[1], b[1]) && p[1] <= Math.max(a[1], b[1]);

function segmentsTouch(a1, a2, b1, b2) {
  const d1 = cross(b1, b2, a1);
  const d2 = cross(b1, b2, a2);
  const d3 = cross(a1, a2, b1);
  const d4 = cross(a1, a2, b2);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (d1 === 0 && onSegment(a1, b1, b2)) || (d2 === 0 && onSegment(a2, b1, b2))
    || (d3 === 0 && onSegment(b1, a1, a2)) || (d4 === 0 && onSegment(b2, a1, a2));
}

/** True when two edges of the ring cross or touch (the server's rule, crates/cap geometry.rs). */
export function selfIntersects(ring) {
  const v = distinct(ring);
  const n = v.length;
  if (n < 3) return false;
  for (let i = 0; i < n; i++) {
    const a1 = v[i];
    const a2 = v[(i + 1) % n];
    for (let j = i + 1; j < n; j++) {
      const b1 = v[j];
      const b2 = v[(j + 1) % n];
      if (j === i + 1 || (i === 0 && j === n - 1)) {
        // Neighbours share a vertex; they must not fold back onto each other.
        const [shared, ao, bo] = j === i + 1 ? [a2, a1, b2] : [a1, a2, b1];
        if (cross(shared, ao, bo) === 0 && (ao[0] - shared[0]) * (bo[0] - shared[0]) + (ao[1] - shared[1]) * (bo[1] - shared[1]) > 0) return true;
        continue;
      }
      if (segmentsTouch(a1, a2, b1, b2)) return true;
    }
  }
  return false;
}

function segmentDistance(p, a, b) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  let u = len2 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
  u = Math.max(0, Math.min(1, u));
  return Math.hypot(p[0] - (a[0] + u * dx), p[1] - (a[1] + u * dy));
}

/**
 * Douglas–Peucker by budget: the open ring `v` reduced to at most `budget` vertices, adding
 * each time the vertex farthest from the outline kept so far.
 */
function refine(v, budget) {
  const n = v.length;
  if (n <= budget) return v.slice();
  const c = [...v, v[0]];
  let far = 1;
  let best = -1;
  for (let i = 1; i < n; i++) {
    const d = Math.hypot(v[i][0] - v[0][0], v[i][1] - v[0][1]);
    if (d > best) [best, far] = [d, i];
  }
  const farthest = (i, j) => {
    let at = -1;
    let dist = 0;
    for (let k = i + 1; k < j; k++) {
      const d = segmentDistance(c[k], c[i], c[j]);
      if (d > dist) [dist, at] = [d, k];
    }
    return { i, j, at, dist };
  };
  const segments = [farthest(0, far), farthest(far, n)];
  const keep = new Set([0, far]);
  while (keep.size < budget) {
    let top = null;
    for (const s of segments) if (s.at >= 0 && (!top || s.dist > top.dist)) top = s;
    if (!top) break;
    keep.add(top.at);
    segments.splice(segments.indexOf(top), 1, farthest(top.i, top.at), farthest(top.at, top.j));
  }
  return [...keep].sort((a, b) => a - b).map((k) => v[k]);
}

/** Andrew's monotone chain. */
function convexHull(v) {
  const pts = v.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const half = (list) => {
    const out = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2], out[out.length - 1], p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...half(pts), ...half(pts.slice().reverse())];
}

const round = (x) => {
  const r = Number(x.toFixed(DECIMALS));
  return r === 0 ? 0 : r;
};

/** Rounded, counter-clockwise and closed; null when it is not a valid CAP polygon. */
function finish(v) {
  const r = distinct(v.map(([x, y]) => [round(x), round(y)]));
  if (r.length < 3) return null;
  if (ringArea(r) < 0) r.reverse();
  const closed = [...r, r[0]];
  if (closed.length > MAX_POLYGON_POINTS || ringArea(closed) === 0 || selfIntersects(closed)) return null;
  return closed;
}

/**
 * One ring (`[lon, lat]` pairs, open or closed) as a CAP polygon ring: closed, at most
 * MAX_POLYGON_POINTS points, rounded, not crossing itself (simplified with fewer points, then
 * its convex hull, when needed); null when nothing of it is left.
 */
export function simplifyRing(ring) {
  const finite = (ring || []).filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && Math.abs(p[0]) <= 180 && Math.abs(p[1]) <= 90);
  const v = distinct(finite);
  if (v.length < 3) return null;
  const budgets = [MAX_POLYGON_POINTS - 1, 80, 60, 40, 24, 12];
  for (const src of [v, convexHull(v)]) {
    for (const b of budgets) {
      const out = finish(refine(src, Math.min(b, src.length)));
      if (out) return out;
    }
  }
  return null;
}

/** A ring as CAP polygon text: "lat,lon" pairs, latitude first, separated by spaces. */
export function capPolygonText(ring) {
  return ring.map(([lon, lat]) => `${round(lat)},${round(lon)}`).join(' ');
}

/** The outer rings of a GeoJSON Polygon or MultiPolygon. */
export function outerRings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates.length ? [geometry.coordinates[0]] : [];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.map((p) => p[0]).filter(Boolean);
  return [];
}

/**
 * The CAP polygons of a geometry: one per outer ring, largest first, at most
 * MAX_POLYGONS_PER_AREA, parts below MIN_PART_SHARE of the largest left out.
 * `{ rings, dropped }` (rings as closed `[lon, lat]` lists).
 */
export function geometryPolygons(geometry) {
  const parts = outerRings(geometry).map((r) => ({ r, a: Math.abs(ringArea(r)) })).sort((x, y) => y.a - x.a);
  const largest = parts.length ? parts[0].a : 0;
  const rings = [];
  let dropped = 0;
  for (const p of parts) {
    if (rings.length >= MAX_POLYGONS_PER_AREA || p.a < largest * MIN_PART_SHARE) {
      dropped++;
      continue;
    }
    const s = simplifyRing(p.r);
    if (s) rings.push(s);
    else dropped++;
  }
  return { rings, dropped };
}

// --- texts in a block's language ----------------------------------------------------------

const dictionaries = new Map();
/** The UI strings of `code` (the block's language when the UI has it, else English). */
function dictionary(code) {
  const base = String(code || 'en').toLowerCase().split('-')[0];
  const lang = supportedLangs().includes(base) ? base : 'en';
  if (!dictionaries.has(lang)) {
    dictionaries.set(lang, fetch(`/i18n/${lang}.json`, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : {}))
      .catch(() => ({})));
  }
  return dictionaries.get(lang);
}

/** A default area description in `language` (no bidi marks: this text is stored). */
async function defaultText(language, key, vars = {}) {
  const [own, en] = await Promise.all([dictionary(language), dictionary('en')]);
  const template = own[key] ?? en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** A first-level unit's name in `language` (Natural Earth's, else English). */
export function unitName(p, language = currentLang()) {
  const base = String(language).split('-')[0];
  return p[`name_${base}`] || p.name_en || p.code;
}

/** A country's name in `language` (the browser's CLDR names, else the region's own). */
export function countryName(p, language = currentLang()) {
  try {
    const n = new Intl.DisplayNames([language], { type: 'region' }).of(p.iso2);
    if (n && n !== p.iso2) return n;
  } catch {
    // No region names for this language: the region's own below.
  }
  const base = String(language).split('-')[0];
  return p[`name_${base}`] || p.name_en || p.iso2;
}

function languageLabel(code) {
  try {
    const name = new Intl.DisplayNames([currentLang()], { type: 'language' }).of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

// --- the panel ------------------------------------------------------------------------------

/** The area map's own sources and layers (over the countries of small_map.js). */
const AREA_SOURCES = {
  current: { type: 'geojson', data: EMPTY },
  pending: { type: 'geojson', data: EMPTY },
  sketch: { type: 'geojson', data: EMPTY },
};
const AREA_LAYERS = [
  { id: 'current-fill', type: 'fill', source: 'current', paint: { 'fill-color': '#ff4fd8', 'fill-opacity': 0.14 } },
  { id: 'current-line', type: 'line', source: 'current', paint: { 'line-color': '#ff4fd8', 'line-width': 2.5 } },
  { id: 'pending-fill', type: 'fill', source: 'pending', paint: { 'fill-color': '#ffd23f', 'fill-opacity': 0.12 } },
  { id: 'pending-line', type: 'line', source: 'pending', paint: { 'line-color': '#ffd23f', 'line-width': 2.5, 'line-dasharray': [2, 1.5] } },
  { id: 'sketch-line', type: 'line', source: 'sketch', paint: { 'line-color': '#6cc4ff', 'line-width': 2.5 } },
  { id: 'sketch-points', type: 'circle', source: 'sketch', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 5, 'circle-color': '#6cc4ff', 'circle-stroke-color': '#0b0d10', 'circle-stroke-width': 1.5 } },
];

/**
 * The "Area" panel. `incidentId()` is the incident the composer is for (null without one);
 * `apply(mutate)` runs `mutate(doc)` on the composer's document and refreshes the form, the
 * XML and the validation. Returns `{ el, update(doc), dispose() }`; `update` follows every
 * change of the document.
 */
export function areaPanel({ incidentId, apply }) {
  let doc = null;
  let hadDoc = null;
  let languages = [];
  let disposed = false;
  let map = null;
  let loaded = Promise.resolve(false);
  /** The areas ready to apply: `[{ key, name, rings, dropped, descs: {lang: text}, edited: Set }]`. */
  let pending = [];
  let pendingSeq = 0;

  const mapEl = h('div', { id: 'compose-area-map', role: 'region', 'aria-label': t('compose.area.map'), 'data-areas': '0', 'data-pending': '0' });
  const currentNote = h('p', { id: 'compose-area-current', class: 'muted' }, t('compose.area.current', { n: 0 }));
  const status = h('p', { id: 'compose-area-status', class: 'muted', 'aria-live': 'polite' });
  const pendingBox = h('div', { id: 'compose-area-pending' });
  const applied = h('p', { id: 'compose-area-applied', 'aria-live': 'polite' });

  // Where the area comes from.
  const sourceRadios = ['mmi', 'countries', 'units', 'draw'].map((v) => h('input', {
    type: 'radio', name: 'compose-area-source', id: `compose-area-src-${v}`, value: v, checked: v === 'mmi',
    onChange: () => showSource(),
  }));
  const source = () => sourceRadios.find((r) => r.checked)?.value || 'mmi';

  const mmiSelect = h('select', { id: 'compose-area-mmi', onChange: () => computePending() },
    MMI_LEVELS.map((l) => h('option', { value: l, selected: l === DEFAULT_MMI }, t('compose.area.mmiOption', { level: ROMAN[l] }))));
  const mmiBox = h('div', { class: 'area-source', id: 'compose-area-mmi-box' },
    h('label', { for: mmiSelect.id }, t('compose.area.mmiLevel')), mmiSelect);

  const countryList = h('div', { class: 'area-country-list', id: 'compose-area-countries' });
  const countriesBox = h('fieldset', { class: 'area-source area-countries' },
    h('legend', {}, t('compose.area.countries')), countryList);
  let countries = [];

  // Provinces: a country, then its first-level units (loaded once per country).
  const unitCountry = h('select', { id: 'compose-area-unit-country', onChange: () => showUnits() });
  const unitList = h('div', { class: 'area-country-list', id: 'compose-area-units' });
  const unitsBox = h('fieldset', { class: 'area-source area-countries', id: 'compose-area-units-box' },
    h('legend', {}, t('compose.area.units')),
    h('div', { class: 'field' }, h('label', { for: unitCountry.id }, t('compose.area.unitCountry')), unitCountry),
    unitList);
  const unitsByCountry = new Map();
  let units = [];

  // Drawing: corners clicked on the map (or the map's centre, for the keyboard).
  let sketch = null;
  const drawStart = h('button', { type: 'button', class: 'btn btn-secondary', id: 'compose-area-draw-start', onClick: () => startDrawing() }, t('compose.area.draw.start'));
  const drawCentre = h('button', { type: 'button', class: 'btn btn-secondary', id: 'compose-area-draw-centre', onClick: () => map && addCorner(map.getCenter()) }, t('compose.area.draw.centre'));
  const drawUndo = h('button', { type: 'button', class: 'btn btn-secondary', id: 'compose-area-draw-undo', onClick: () => undoCorner() }, t('compose.area.draw.undo'));
  const drawFinish = h('button', { type: 'button', class: 'btn', id: 'compose-area-draw-finish', onClick: () => finishDrawing() }, t('compose.area.draw.finish'));
  const drawCancel = h('button', { type: 'button', class: 'btn btn-secondary', id: 'compose-area-draw-cancel', onClick: () => stopDrawing() }, t('compose.area.draw.cancel'));
  const drawCount = h('span', { id: 'compose-area-draw-count', class: 'muted', 'aria-live': 'polite' });
  const drawTools = h('div', { class: 'actions area-draw-tools' }, drawCentre, drawUndo, drawFinish, drawCancel, drawCount);
  const drawBox = h('div', { class: 'area-source', id: 'compose-area-draw-box' },
    h('p', { class: 'muted', id: 'compose-area-draw-hint' }, t('compose.area.draw.hint')),
    h('div', { class: 'actions' }, drawStart), drawTools);
  let drawn = null;

  const modeRadios = ['replace', 'add'].map((v) => h('input', { type: 'radio', name: 'compose-area-mode', id: `compose-area-mode-${v}`, value: v, checked: v === 'replace' }));
  const applyButton = h('button', { type: 'button', class: 'btn', id: 'compose-area-apply', disabled: true, onClick: () => doApply() }, t('compose.area.apply'));

  const radio = (input, key) => h('div', { class: 'area-radio' }, input, h('label', { for: input.id }, t(key)));
  const el = h('section', { class: 'area-panel', id: 'compose-area', 'aria-labelledby': 'compose-area-title' },
    h('h2', { class: 'section-title', id: 'compose-area-title' }, t('compose.area.title')),
    h('p', { class: 'muted' }, t('compose.area.intro')),
    h('div', { class: 'area-layout' },
      h('div', { class: 'area-map-col' },
        mapEl,
        h('ul', { class: 'watch-legend area-legend' },
          h('li', {}, h('span', { class: 'area-key area-key-current', 'aria-hidden': 'true' }), t('compose.area.legendCurrent')),
          h('li', {}, h('span', { class: 'area-key area-key-new', 'aria-hidden': 'true' }), t('compose.area.legendNew'))),
        currentNote),
      h('div', { class: 'area-controls' },
        h('fieldset', { class: 'area-fieldset' },
          h('legend', {}, t('compose.area.source')),
          radio(sourceRadios[0], 'compose.area.src.mmi'),
          radio(sourceRadios[1], 'compose.area.src.countries'),
          radio(sourceRadios[2], 'compose.area.src.units'),
          radio(sourceRadios[3], 'compose.area.src.draw')),
        mmiBox, countriesBox, unitsBox, drawBox, status)),
    h('h3', {}, t('compose.area.pending')),
    pendingBox,
    h('fieldset', { class: 'area-fieldset area-mode' },
      h('legend', {}, t('compose.area.mode')),
      radio(modeRadios[0], 'compose.area.mode.replace'),
      radio(modeRadios[1], 'compose.area.mode.add')),
    h('div', { class: 'actions' }, applyButton),
    applied);

  // --- the map (made once the panel is in the page, so that it has its size) ---------------
  function initMap() {
    if (map || disposed) return;
    try {
      ({ map, loaded } = smallMap(mapEl, AREA_SOURCES, AREA_LAYERS));
      window.forewarnAreaMap = map;
      map.on('click', (ev) => {
        if (sketch) addCorner(ev.lngLat);
      });
      map.on('dblclick', (ev) => {
        if (!sketch) return;
        ev.preventDefault();
        finishDrawing();
      });
    } catch (err) {
      console.error(err);
      mount(mapEl, h('p', { class: 'panel', role: 'alert' }, t('map.noWebgl'), ' ', String(err.message || err)));
      map = null;
    }
    shownKey = '';
    drawCurrent();
    drawPending();
  }

  const fc = (features) => ({ type: 'FeatureCollection', features });
  let shownKey = '';
  /** Draws the document's areas (its first block's); the view follows when they change. */
  const drawCurrent = debounce(async () => {
    const xml = doc ? serializeCap(doc) : '';
    const features = capAreas(xml);
    currentNote.textContent = t('compose.area.current', { n: features.length });
    if (!(await loaded) || disposed) {
      mapEl.dataset.areas = String(features.length);
      return;
    }
    map.getSource('current').setData(fc(features));
    // The view follows when the areas' geometry changes (not when a text is typed).
    const geomKey = JSON.stringify(features.map((f) => f.geometry.coordinates));
    if (geomKey !== shownKey && !pending.length) {
      const box = bbox(fc(features));
      if (box) map.fitBounds(box, { padding: 30, duration: 0, maxZoom: 7 });
    }
    shownKey = geomKey;
    mapEl.dataset.areas = String(features.length);
  }, 150);

  async function drawPending() {
    const features = pending.map((p) => ({ type: 'Feature', properties: { key: p.key }, geometry: { type: 'MultiPolygon', coordinates: p.rings.map((r) => [r]) } }));
    mapEl.dataset.pending = String(features.length);
    if (!(await loaded) || disposed) return;
    map.getSource('pending').setData(fc(features));
    const box = bbox(fc(features));
    if (box) map.fitBounds(box, { padding: 30, duration: 0, maxZoom: 7 });
  }

  async function drawSketch() {
    if (!(await loaded) || disposed) return;
    const pts = sketch ? sketch.points : [];
    const features = pts.map((p) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } }));
    if (pts.length >= 2) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: pts.length >= 3 ? [...pts, pts[0]] : pts } });
    map.getSource('sketch').setData(fc(features));
  }

  // --- sources of new areas -----------------------------------------------------------------
  const contours = new Map();
  function incidentContours(id) {
    if (!contours.has(id)) contours.set(id, get(`/api/incidents/${id}/layers/mmi_contours`).catch((err) => {
      contours.delete(id);
      throw err;
    }));
    return contours.get(id);
  }

  function showSource() {
    const s = source();
    mmiBox.hidden = s !== 'mmi';
    countriesBox.hidden = s !== 'countries';
    unitsBox.hidden = s !== 'units';
    drawBox.hidden = s !== 'draw';
    if (s !== 'draw' && sketch) stopDrawing();
    computePending();
  }

  /** Builds the new areas from the chosen source (only the newest request counts). */
  async function computePending() {
    const seq = ++pendingSeq;
    const s = source();
    status.textContent = '';
    applied.textContent = '';
    let items = [];
    try {
      if (s === 'mmi') {
        const id = incidentId();
        if (!id) {
          status.textContent = t('compose.area.noIncident');
        } else {
          status.textContent = t('compose.area.loading');
          const level = Number(mmiSelect.value);
          let layer;
          try {
            layer = await incidentContours(id);
          } catch (err) {
            if (seq !== pendingSeq) return;
            status.textContent = err.status === 404 ? t('compose.area.noContours') : errorText(err);
            layer = null;
          }
          if (seq !== pendingSeq) return;
          if (layer) {
            const feats = (layer.features || []).filter((f) => Number(f.properties?.mmi) === level);
            status.textContent = feats.length ? '' : t('compose.area.mmiNone', { level: ROMAN[level] });
            items = feats.map((f, k) => ({
              key: `mmi-${level}-${k}`, geometry: f.geometry, name: t('compose.area.mmiOption', { level: ROMAN[level] }),
              text: (lang) => defaultText(lang, 'compose.area.default.mmi', { level: ROMAN[level] }),
            }));
          }
        }
      } else if (s === 'countries') {
        const chosen = countries.filter((c) => c.box.checked);
        items = chosen.map((c) => ({
          key: `country-${c.p.iso2}`, geometry: c.geometry, name: countryName(c.p),
          text: async (lang) => countryName(c.p, lang),
        }));
      } else if (s === 'units') {
        const c = countries.find((x) => x.p.iso2 === unitCountry.value);
        items = units.filter((u) => u.box.checked).map((u) => ({
          key: `unit-${u.p.code}`, geometry: u.geometry, name: unitName(u.p),
          text: (lang) => defaultText(lang, 'compose.area.default.unit', { unit: unitName(u.p, lang), country: c ? countryName(c.p, lang) : u.p.country }),
        }));
      } else if (drawn) {
        items = [{ key: DRAWN_KEY, geometry: { type: 'Polygon', coordinates: [drawn] }, name: t('compose.area.src.draw'), text: (lang) => defaultText(lang, 'compose.area.default.drawn') }];
      }
    } catch (err) {
      if (seq !== pendingSeq) return;
      status.textContent = errorText(err);
    }
    const next = [];
    for (const it of items) {
      const { rings, dropped } = geometryPolygons(it.geometry);
      if (!rings.length) continue;
      const old = pending.find((p) => p.key === it.key);
      next.push({ key: it.key, name: it.name, rings, dropped, text: it.text, descs: old ? old.descs : {}, edited: old ? old.edited : new Set() });
    }
    await fillDescriptions(next);
    if (seq !== pendingSeq || disposed) return;
    pending = next;
    renderPending();
    drawPending();
  }

  /** Default descriptions in each block's language (those typed by the user are kept). */
  async function fillDescriptions(list) {
    for (const p of list) {
      for (const lang of languages) {
        if (!p.edited.has(lang)) p.descs[lang] = await p.text(lang);
      }
    }
  }

  function renderPending() {
    applyButton.disabled = !doc || !pending.length;
    if (!pending.length) {
      mount(pendingBox, h('p', { class: 'muted', id: 'compose-area-pending-none' }, doc ? t('compose.area.pendingNone') : t('compose.area.noDoc')));
      return;
    }
    mount(pendingBox, pending.map((p, i) => {
      const points = p.rings.reduce((n, r) => n + r.length, 0);
      return h('fieldset', { class: 'area-fieldset area-pending', 'data-key': p.key, 'data-polygons': p.rings.length },
        h('legend', {}, t('compose.area.summary', { name: p.name, polygons: p.rings.length, points })),
        p.dropped ? h('p', { class: 'muted' }, t('compose.area.dropped', { n: p.dropped })) : null,
        h('div', { class: 'area-descs' }, languages.map((lang) => {
          const id = `compose-area-desc-${i}-${lang}`;
          const dir = isRtl(lang) ? 'rtl' : 'ltr';
          const input = h('input', {
            type: 'text', id, lang, dir, 'data-lang': lang,
            onInput: (ev) => {
              p.descs[lang] = ev.target.value;
              p.edited.add(lang);
            },
            // Enter here does not save the whole message as a draft.
            onKeydown: (ev) => {
              if (ev.key === 'Enter') ev.preventDefault();
            },
          });
          input.value = p.descs[lang] ?? '';
          return h('div', { class: 'field' }, h('label', { for: id }, t('compose.area.descLabel', { language: languageLabel(lang) })), input);
        })));
    }));
  }

  // --- drawing ------------------------------------------------------------------------------
  function drawingUi() {
    const on = !!sketch;
    drawStart.hidden = on;
    drawTools.hidden = !on;
    mapEl.classList.toggle('area-drawing', on);
    if (on) drawCount.textContent = t('compose.area.draw.points', { n: sketch.points.length });
    drawUndo.disabled = !on || !sketch.points.length;
  }

  function startDrawing() {
    sketch = { points: [] };
    if (map) {
      map.doubleClickZoom.disable();
      map.getCanvas().style.cursor = 'crosshair';
    }
    status.textContent = '';
    drawingUi();
    drawSketch();
    drawFinish.focus();
  }

  function addCorner(lngLat) {
    if (!sketch) return;
    const p = [round(lngLat.lng), round(lngLat.lat)];
    const last = sketch.points[sketch.points.length - 1];
    if (!last || !same(last, p)) sketch.points.push(p);
    drawingUi();
    drawSketch();
  }

  function undoCorner() {
    if (!sketch) return;
    sketch.points.pop();
    drawingUi();
    drawSketch();
  }

  function stopDrawing() {
    sketch = null;
    if (map) {
      map.getCanvas().style.cursor = '';
      // The double click that finished a drawing must not zoom.
      setTimeout(() => map && !sketch && map.doubleClickZoom.enable(), 400);
    }
    drawingUi();
    drawSketch();
    if (!drawBox.hidden) drawStart.focus();
  }

  function finishDrawing() {
    if (!sketch) return;
    const pts = distinct(sketch.points);
    if (pts.length < 3) {
      status.textContent = t('compose.area.draw.tooFew');
      return;
    }
    if (selfIntersects([...pts, pts[0]])) {
      status.textContent = t('compose.area.draw.crosses');
      return;
    }
    drawn = [...pts, pts[0]];
    stopDrawing();
    computePending().then(() => {
      if (drawn) status.textContent = t('compose.area.draw.done', { n: pts.length });
    });
  }

  // --- applying -----------------------------------------------------------------------------
  function doApply() {
    if (!doc || !pending.length) return;
    const keep = modeRadios[1].checked;
    const chosen = pending;
    apply((d) => setAreas(d, (info) => {
      const lang = infoLanguage(info);
      return chosen.map((p) => ({ desc: (p.descs[lang] ?? '').trim() || p.name, polygons: p.rings.map(capPolygonText) }));
    }, keep));
    pending = [];
    drawn = null;
    renderPending();
    drawPending();
    const first = doc ? infos(doc)[0] : null;
    const n = first ? areas(first).length : 0;
    applied.textContent = t('compose.area.applied', { n });
    applied.className = 'valid-msg';
  }

  /** The chosen country's units, by name in the UI language, as checkboxes. */
  async function showUnits() {
    const iso2 = unitCountry.value;
    if (!iso2) return;
    if (!unitsByCountry.has(iso2)) {
      unitsByCountry.set(iso2, get(`/api/region/admin1.geojson?country=${encodeURIComponent(iso2)}`).catch((err) => {
        unitsByCountry.delete(iso2);
        throw err;
      }));
    }
    mount(unitList, h('p', { class: 'muted' }, t('compose.area.loading')));
    let geo;
    try {
      geo = await unitsByCountry.get(iso2);
    } catch (err) {
      mount(unitList, h('p', { class: 'field-error' }, errorText(err)));
      return;
    }
    if (disposed || unitCountry.value !== iso2) return;
    units = (geo.features || []).map((f) => ({ p: f.properties, geometry: f.geometry }))
      .sort((a, b) => unitName(a.p).localeCompare(unitName(b.p), currentLang()));
    mount(unitList, units.map((u) => {
      u.box = h('input', { type: 'checkbox', id: `compose-area-unit-${u.p.code}`, value: u.p.code, onChange: () => computePending() });
      return h('div', { class: 'area-radio' }, u.box, h('label', { for: u.box.id }, unitName(u.p)));
    }));
    computePending();
  }

  // Countries of the region, by name in the UI language.
  (async () => {
    try {
      const geo = await get('/api/region/countries.geojson');
      if (disposed) return;
      countries = (geo.features || []).map((f) => ({ p: f.properties, geometry: f.geometry }))
        .sort((a, b) => countryName(a.p).localeCompare(countryName(b.p), currentLang()));
      mount(countryList, countries.map((c) => {
        c.box = h('input', { type: 'checkbox', id: `compose-area-country-${c.p.iso2}`, value: c.p.iso2, onChange: () => computePending() });
        return h('div', { class: 'area-radio' }, c.box, h('label', { for: c.box.id }, countryName(c.p)));
      }));
      // Provinces start at the user's own country.
      const own = session.orgList().find((o) => o.code === session.user()?.org)?.country_iso2;
      mount(unitCountry, countries.map((c) => h('option', { value: c.p.iso2, selected: c.p.iso2 === own }, countryName(c.p))));
      showUnits();
    } catch (err) {
      mount(countryList, h('p', { class: 'field-error' }, errorText(err)));
    }
  })();

  mmiBox.hidden = false;
  countriesBox.hidden = true;
  unitsBox.hidden = true;
  drawBox.hidden = true;
  drawingUi();
  renderPending();

  return {
    el,
    /** The document changed (form, XML, a new proposal): the map and the languages follow. */
    update(next) {
      doc = next;
      const langs = doc ? infos(doc).map(infoLanguage) : [];
      const changed = langs.join() !== languages.join() || !doc !== !hadDoc;
      languages = langs;
      hadDoc = !!doc;
      drawCurrent();
      if (changed) fillDescriptions(pending).then(() => !disposed && renderPending());
    },
    /** The incident changed: its shaking is read again. */
    incidentChanged() {
      if (source() === 'mmi') computePending();
    },
    /** The panel is in the page: the map is made. */
    attach() {
      initMap();
    },
    dispose() {
      disposed = true;
      if (map) map.remove();
      map = null;
    },
  };
}
