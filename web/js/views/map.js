// Common operating picture: boundaries, settlements, the selected incident's MMI contours,
// epicentre and impacted settlements, and alert areas. Every source is local GeoJSON from this
// server; the style has no glyphs, sprites or remote tiles, so the map works with no network at
// all. Place names are an HTML label layer (the browser's own fonts carry every script) in the
// UI's language, decluttered by importance; one click shows the topmost feature's popup.
import { h, mount } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { get } from '../api.js';
import * as sse from '../sse.js';
import * as session from '../session.js';
import { capAreas, bbox } from '../cap_area.js';
import { alertHeadline, exerciseBadge, statusPill, errorText } from '../common.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const REGION_BOUNDS = [[44, 22], [125, 56]];
const ALERT_STATUSES_ON_MAP = ['draft', 'approved', 'published'];
const MAX_ALERTS_ON_MAP = 25;
// Contours below MMI IV (weak shaking, not felt as damaging) are not drawn: they cover the
// whole computation grid and would hide the picture. Their count is still reported.
const MIN_MMI_DRAWN = 4;
/** Layers a click can open a popup for, topmost first: one popup per click. */
const CLICKABLE = ['incident-settlements', 'settlements', 'alert-areas-fill', 'incident-mmi-fill'];
/** Settlements labelled on the map (the dots go down to 100,000 people). */
const MIN_LABEL_POPULATION = 250000;
/** The zoom buttons' corner (width, height in px from the map's top left), kept free of labels. */
const CONTROL_PX = [50, 80];
/** Pixels kept free around a label when decluttering. */
const LABEL_MARGIN_PX = 4;

function baseStyle() {
  return {
    version: 8,
    sources: {
      countries: { type: 'geojson', data: '/api/region/countries.geojson' },
      settlements: { type: 'geojson', data: `/api/region/settlements.geojson?min_population=100000&lang=${currentLang()}` },
      'incident-mmi': { type: 'geojson', data: EMPTY },
      'incident-settlements': { type: 'geojson', data: EMPTY },
      'alert-areas': { type: 'geojson', data: EMPTY },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#0e2233' } },
      { id: 'countries-fill', type: 'fill', source: 'countries', paint: { 'fill-color': '#2b3440', 'fill-opacity': 1 } },
      { id: 'countries-line', type: 'line', source: 'countries', paint: { 'line-color': '#c3cad3', 'line-width': 1.2 } },
      {
        id: 'incident-mmi-fill',
        type: 'fill',
        source: 'incident-mmi',
        filter: ['any', ['!', ['has', 'mmi']], ['>=', ['get', 'mmi'], MIN_MMI_DRAWN]],
        paint: { 'fill-color': ['coalesce', ['get', 'color'], '#ff7a7a'], 'fill-opacity': 0.32 },
      },
      {
        id: 'incident-mmi-line',
        type: 'line',
        source: 'incident-mmi',
        filter: ['any', ['!', ['has', 'mmi']], ['>=', ['get', 'mmi'], MIN_MMI_DRAWN]],
        paint: { 'line-color': ['coalesce', ['get', 'color'], '#ff7a7a'], 'line-width': 1.5 },
      },
      {
        id: 'alert-areas-fill',
        type: 'fill',
        source: 'alert-areas',
        paint: { 'fill-color': '#ff4fd8', 'fill-opacity': 0.08 },
      },
      {
        id: 'alert-areas-line',
        type: 'line',
        source: 'alert-areas',
        filter: ['==', ['get', 'status'], 'published'],
        paint: { 'line-color': '#ff4fd8', 'line-width': 3 },
      },
      {
        id: 'alert-areas-pending-line',
        type: 'line',
        source: 'alert-areas',
        filter: ['!=', ['get', 'status'], 'published'],
        paint: {
          'line-color': ['match', ['get', 'status'], 'approved', '#ffd23f', '#f4f6f8'],
          'line-width': 2.5,
          'line-dasharray': [2, 1.5],
        },
      },
      {
        id: 'settlements',
        type: 'circle',
        source: 'settlements',
        paint: {
          // Small dots at region scale, larger when zoomed in.
          'circle-radius': [
            'interpolate', ['linear'], ['zoom'],
            3, ['interpolate', ['linear'], ['get', 'population'], 100000, 1.6, 1000000, 3, 10000000, 5.5],
            7, ['interpolate', ['linear'], ['get', 'population'], 100000, 3, 1000000, 6, 10000000, 10],
          ],
          'circle-color': '#f4f6f8',
          'circle-opacity': 0.85,
          'circle-stroke-color': '#0b0d10',
          'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 3, 0.3, 7, 1],
        },
      },
      {
        id: 'incident-settlements',
        type: 'circle',
        source: 'incident-settlements',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['get', 'population'], 1000, 3, 100000, 6, 1000000, 10],
          'circle-color': [
            'step', ['coalesce', ['get', 'mmi'], 0],
            '#9fe7ff', 5, '#7aff93', 6, '#ffff00', 7, '#ffc800', 8, '#ff9100', 9, '#ff0000',
          ],
          'circle-stroke-color': '#0b0d10',
          'circle-stroke-width': 1.5,
        },
      },
    ],
  };
}

const LAYER_GROUPS = [
  { key: 'map.layer.boundaries', layers: ['countries-fill', 'countries-line'] },
  { key: 'map.layer.settlements', layers: ['settlements'] },
  { key: 'map.layer.mmi', layers: ['incident-mmi-fill', 'incident-mmi-line'] },
  { key: 'map.layer.impacts', layers: ['incident-settlements'] },
  { key: 'map.layer.alerts', layers: ['alert-areas-fill', 'alert-areas-line', 'alert-areas-pending-line'] },
];

/** A point source's settlement: its MMI range over the unknown strikes (the layer's property
 * arrives as a JSON string from MapLibre), as popup lines; none for a finite fault. */
function strikeRange(v) {
  let r = v;
  if (typeof v === 'string') {
    try { r = JSON.parse(v); } catch { return []; }
  }
  if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => x !== null && Number.isFinite(Number(x)))) return [];
  return [t('map.popup.strikeRange', { lo: Number(r[0]).toFixed(1), hi: Number(r[1]).toFixed(1) }), h('br')];
}

function popupContent(layerId, p) {
  const fmt = (n) => (typeof n === 'number' ? n.toLocaleString({ en: 'en-GB', ru: 'ru-RU', zh: 'zh-CN', ur: 'ur-PK' }[currentLang()] || 'en-GB') : n);
  if (layerId === 'incident-settlements' && p.arrival_early_h !== undefined) {
    // A flood: when the water arrives (early bound and modelled), how deep, without and with a warning.
    const hrs = (v) => (v === null || v === undefined ? '—' : `${Number(v).toFixed(1)} h`);
    return h('div', {},
      h('strong', {}, p.name), h('br'),
      `${t('map.popup.population')}: ${fmt(p.population)}`, h('br'),
      t('map.popup.arrival', { early: hrs(p.arrival_early_h), modelled: hrs(p.arrival_h) }), h('br'),
      t('map.popup.depth', { depth: Number(p.max_depth_m).toFixed(1) }), h('br'),
      t('map.popup.floodDeaths', { without: fmt(p.deaths_without_warning), with: fmt(p.deaths_with_warning) }));
  }
  if (layerId === 'incident-settlements') {
    return h('div', {},
      h('strong', {}, p.name), h('br'),
      `${t('map.popup.population')}: ${fmt(p.population)}`, h('br'),
      `MMI: ${Number(p.mmi).toFixed(1)} · PGA: ${Number(p.pga_g).toFixed(3)} g`, h('br'),
      ...strikeRange(p.mmi_over_strikes),
      `${t('map.popup.deaths')}: ${Number(p.expected_deaths) >= 10 ? fmt(Math.round(Number(p.expected_deaths))) : Number(p.expected_deaths).toFixed(1)}`);
  }
  if (layerId === 'settlements') {
    return h('div', {}, h('strong', {}, p.name), ` (${p.country})`, h('br'), `${t('map.popup.population')}: ${fmt(p.population)}`);
  }
  if (layerId === 'alert-areas-fill') {
    return h('div', {}, h('strong', {}, p.headline || t('map.layer.alerts')), h('br'), p.area_desc, h('br'), t(`alert.status.${p.status}`));
  }
  if (layerId === 'incident-mmi-fill') {
    return h('div', {}, h('strong', {}, p.label || `MMI ${p.mmi}`));
  }
  return h('div', {}, p.name_en || p.name || '');
}

/** A country's name in the UI language (the browser's CLDR names, else the region's). */
function countryName(p) {
  try {
    const n = new Intl.DisplayNames([currentLang()], { type: 'region' }).of(p.iso2);
    if (n && n !== p.iso2) return n;
  } catch {
    // An engine without display names: the region's own names below.
  }
  return p[`name_${currentLang()}`] || p.name_en || p.iso2;
}

/** Where a country's name goes: the middle of the bounding box of its largest polygon. */
function countryAnchor(geometry) {
  const polys = geometry.type === 'MultiPolygon' ? geometry.coordinates : [geometry.coordinates];
  let best = null;
  let bestArea = -1;
  for (const poly of polys) {
    const ring = poly[0] || [];
    let area = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) area += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
    if (Math.abs(area) > bestArea) {
      bestArea = Math.abs(area);
      best = ring;
    }
  }
  if (!best || !best.length) return null;
  const xs = best.map((c) => c[0]);
  const ys = best.map((c) => c[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}

/**
 * Place names as HTML labels over the map, shown by priority (countries, then settlements by
 * population) where they do not overlap a label already shown.
 */
function labelLayer(map, container) {
  const layer = h('div', { class: 'map-labels', 'aria-hidden': 'true' });
  container.append(layer);
  let labels = [];
  function place() {
    const w = container.clientWidth;
    const hgt = container.clientHeight;
    const taken = [];
    for (const l of labels) {
      const p = map.project(l.lngLat);
      const box = { x0: p.x - l.w / 2 - LABEL_MARGIN_PX, x1: p.x + l.w / 2 + LABEL_MARGIN_PX, y0: p.y - l.h / 2 - LABEL_MARGIN_PX, y1: p.y + l.h / 2 + LABEL_MARGIN_PX };
      // Inside the map, and clear of the zoom buttons in its top-left corner.
      const inside = box.x0 >= 0 && box.y0 >= 0 && box.x1 <= w && box.y1 <= hgt
        && !(box.x0 < CONTROL_PX[0] && box.y0 < CONTROL_PX[1]);
      const free = inside && !taken.some((b) => box.x0 < b.x1 && box.x1 > b.x0 && box.y0 < b.y1 && box.y1 > b.y0);
      l.el.hidden = !free;
      if (free) {
        taken.push(box);
        l.el.style.transform = `translate(${Math.round(p.x - l.w / 2)}px, ${Math.round(p.y - l.h / 2)}px)`;
      }
    }
    layer.dataset.shown = String(taken.length);
  }
  return {
    /** Replaces the labels: `[{ text, lngLat, kind, rank }]`, most important first. */
    set(items) {
      layer.replaceChildren();
      labels = items.map((it) => {
        const el = h('span', { class: `map-label map-label-${it.kind}`, dir: 'auto' }, it.text);
        layer.append(el);
        return { ...it, el };
      });
      for (const l of labels) {
        l.w = l.el.offsetWidth;
        l.h = l.el.offsetHeight;
      }
      place();
    },
    place,
  };
}

export async function renderMap(main, { params, toast }) {
  const selectedParam = params[0] === 'incident' && params[1] ? Number(params[1]) : null;
  const mapEl = h('div', { id: 'map', role: 'region', 'aria-label': t('map.title') });
  const incidentList = h('ul', { id: 'map-incidents' });
  const legendMmi = h('ul', { id: 'map-legend-mmi' });
  const layerStatus = h('p', { id: 'map-layer-status', class: 'muted', 'aria-live': 'polite' });
  const toggles = h('div', { class: 'layer-toggles' });
  mount(
    main,
    h('h1', { class: 'visually-hidden' }, t('map.title')),
    h('div', { class: 'map-layout' },
      mapEl,
      h('aside', { class: 'panel legend', 'aria-label': t('map.legend') },
        h('h2', {}, t('map.layers')), toggles,
        h('h2', {}, t('map.incident')), layerStatus, legendMmi,
        h('h2', {}, t('map.incidents')), incidentList)),
  );

  let map;
  try {
    if (typeof maplibregl === 'undefined') throw new Error('maplibre-gl not loaded');
    map = new maplibregl.Map({
      container: mapEl,
      style: baseStyle(),
      bounds: REGION_BOUNDS,
      attributionControl: false,
      maxPitch: 0,
      dragRotate: false,
    });
  } catch (err) {
    console.error(err);
    mount(mapEl, h('p', { class: 'panel', role: 'alert' }, t('map.noWebgl'), ' ', String(err.message || err)));
    return null;
  }
  window.forewarnMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.addControl(new maplibregl.AttributionControl({ compact: false, customAttribution: 'Natural Earth · GeoNames (CC BY 4.0) · Forewarn' }), 'bottom-right');

  for (const group of LAYER_GROUPS) {
    const id = `toggle-${group.layers[0]}`;
    const box = h('input', {
      type: 'checkbox', id, checked: true,
      onChange: (ev) => {
        for (const layer of group.layers) map.setLayoutProperty(layer, 'visibility', ev.target.checked ? 'visible' : 'none');
      },
    });
    toggles.append(h('div', { class: 'toggle' }, box, h('label', { for: id, style: 'display:inline;margin-inline-start:.4rem' }, t(group.key))));
  }

  // One popup per click: the topmost feature under the pointer, and for a duty officer a run
  // of an earthquake with its epicentre where the click was.
  let popup = null;
  const canRun = session.hasRole('duty_officer');
  map.on('click', (ev) => {
    const layers = CLICKABLE.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
    const hit = map.queryRenderedFeatures(ev.point, { layers });
    if (popup) popup.remove();
    popup = null;
    const top = CLICKABLE.map((id) => hit.find((f) => f.layer.id === id)).find(Boolean);
    if (!top && !canRun) return;
    const [lat, lon] = [ev.lngLat.lat.toFixed(4), ev.lngLat.lng.toFixed(4)];
    const content = h('div', {},
      top ? popupContent(top.layer.id, top.properties) : null,
      canRun ? h('p', { class: 'popup-action' },
        h('a', { href: `#/incidents/at/${lat}/${lon}`, id: 'map-run-here' }, t('map.runHere', { lat, lon }))) : null);
    popup = new maplibregl.Popup({ closeButton: true, maxWidth: '22rem' }).setLngLat(ev.lngLat).setDOMContent(content).addTo(map);
  });
  for (const layerId of CLICKABLE) {
    map.on('mouseenter', layerId, () => (map.getCanvas().style.cursor = 'pointer'));
    map.on('mouseleave', layerId, () => (map.getCanvas().style.cursor = ''));
  }

  // Place names in the UI language, and the selected incident's epicentre.
  const names = labelLayer(map, mapEl);
  let epicentre = null;
  map.on('move', () => names.place());
  map.on('resize', () => names.place());
  map.once('load', async () => {
    try {
      const [countries, towns] = await Promise.all([
        get('/api/region/countries.geojson'),
        get(`/api/region/settlements.geojson?min_population=${MIN_LABEL_POPULATION}&lang=${currentLang()}`),
      ]);
      if (disposed) return;
      const items = [];
      for (const f of countries.features) {
        const at = countryAnchor(f.geometry);
        if (at) items.push({ text: countryName(f.properties), lngLat: at, kind: 'country' });
      }
      towns.features.sort((a, b) => b.properties.population - a.properties.population);
      for (const f of towns.features) {
        items.push({ text: f.properties.label || f.properties.name, lngLat: f.geometry.coordinates, kind: f.properties.population >= 1000000 ? 'city' : 'town' });
      }
      names.set(items);
    } catch (err) {
      console.warn('place names', err);
    }
  });

  const loaded = new Promise((resolve) => map.once('load', resolve));
  let selectedId = selectedParam;
  let disposed = false;

  /** Show `incident`'s layers; `#map[data-layers]` is `loading` until they are drawn (or failed). */
  async function loadIncidentLayers(incident) {
    mapEl.dataset.layers = 'loading';
    try {
      await fillIncidentLayers(incident);
    } finally {
      if (!disposed) mapEl.dataset.layers = 'ready';
    }
  }

  async function fillIncidentLayers(incident) {
    await loaded;
    if (disposed) return;
    mapEl.dataset.incident = '';
    mapEl.dataset.mmiFeatures = '0';
    legendMmi.replaceChildren();
    if (epicentre) epicentre.remove();
    epicentre = null;
    if (!incident) {
      layerStatus.textContent = t('map.noIncident');
      map.getSource('incident-mmi').setData(EMPTY);
      map.getSource('incident-settlements').setData(EMPTY);
      return;
    }
    mount(layerStatus, h('strong', {}, incident.title), ' ', statusPill('incident.status', incident.status), ' ', exerciseBadge(incident));
    if (incident.status !== 'complete' && incident.status !== 'closed') {
      map.getSource('incident-mmi').setData(EMPTY);
      map.getSource('incident-settlements').setData(EMPTY);
      return;
    }
    try {
      // An earthquake's shaking contours, or a flood's extent, in the same place on the map.
      const area = (incident.layers || []).includes('flood_extent') ? 'flood_extent' : 'mmi_contours';
      const [mmi, towns] = await Promise.all([
        get(`/api/incidents/${incident.id}/layers/${area}`),
        get(`/api/incidents/${incident.id}/layers/settlements`),
      ]);
      if (disposed) return;
      mmi.features.sort((a, b) => (a.properties.mmi ?? 0) - (b.properties.mmi ?? 0));
      map.getSource('incident-mmi').setData(mmi);
      map.getSource('incident-settlements').setData(towns);
      mapEl.dataset.incident = String(incident.id);
      mapEl.dataset.mmiFeatures = String(mmi.features.length);
      // One legend row per intensity, strongest first (a contour level may have many parts).
      const drawn = mmi.features.filter((x) => (x.properties.mmi ?? 0) >= MIN_MMI_DRAWN);
      const rows = new Map();
      for (const f of drawn) {
        const label = f.properties.label || `MMI ${f.properties.mmi}`;
        if (!rows.has(label)) rows.set(label, { color: f.properties.color, mmi: f.properties.mmi ?? 0 });
      }
      for (const [label, r] of [...rows].sort((a, b) => b[1].mmi - a[1].mmi)) {
        legendMmi.append(h('li', {}, h('span', { class: 'swatch', style: `background:${r.color}` }), label));
      }
      const weak = mmi.features.length - drawn.length;
      if (weak > 0) legendMmi.append(h('li', { class: 'muted' }, t('map.weakContours', { n: weak })));
      const q = incident.quake;
      if (q && Number.isFinite(q.lat) && Number.isFinite(q.lon)) {
        const el = h('div', { class: 'map-epicentre', id: 'map-epicentre', role: 'img', 'aria-label': t('map.epicentre', { mag: q.mag, lat: q.lat.toFixed(2), lon: q.lon.toFixed(2) }), title: t('map.epicentre', { mag: q.mag, lat: q.lat.toFixed(2), lon: q.lon.toFixed(2) }) });
        epicentre = new maplibregl.Marker({ element: el }).setLngLat([q.lon, q.lat]).addTo(map);
        legendMmi.append(h('li', {}, h('span', { class: 'map-epicentre map-epicentre-key', 'aria-hidden': 'true' }), t('map.epicentreKey')));
      }
      legendMmi.append(h('li', { class: 'muted' }, t(area === 'flood_extent' ? 'map.reachedSettlements' : 'map.impactedSettlements', { n: towns.features.length })));
      const box = bbox({ type: 'FeatureCollection', features: mmi.features.filter((x) => (x.properties.mmi ?? 0) >= MIN_MMI_DRAWN) }) || bbox(mmi);
      if (box) map.fitBounds(box, { padding: 40, duration: 0, maxZoom: 8 });
    } catch (err) {
      layerStatus.append(h('p', { class: 'field-error' }, errorText(err)));
    }
  }

  async function loadAlertAreas() {
    await loaded;
    const collection = { type: 'FeatureCollection', features: [] };
    try {
      const list = await get(`/api/alerts?limit=100`);
      const shown = (list.items || []).filter((a) => ALERT_STATUSES_ON_MAP.includes(a.status)).slice(0, MAX_ALERTS_ON_MAP);
      const full = await Promise.all(shown.map((a) => get(`/api/alerts/${a.id}`).catch(() => null)));
      for (const a of full) {
        if (!a) continue;
        collection.features.push(...capAreas(a.xml, { alert_id: a.id, status: a.status, headline: alertHeadline(a) }, currentLang()));
      }
    } catch (err) {
      console.warn('alert areas', err);
    }
    if (!disposed) map.getSource('alert-areas').setData(collection);
  }

  async function loadIncidents() {
    let items = [];
    try {
      items = (await get('/api/incidents')).items || [];
    } catch (err) {
      toast(errorText(err), 'error');
    }
    if (disposed) return;
    if (selectedId === null) {
      const firstDone = items.find((i) => i.status === 'complete');
      selectedId = firstDone ? firstDone.id : null;
    }
    incidentList.replaceChildren(
      ...items.slice(0, 30).map((i) =>
        h('li', { class: i.id === selectedId ? 'selected' : '' },
          h('a', { href: `#/map/incident/${i.id}`, 'aria-current': i.id === selectedId ? 'true' : false }, i.title),
          ' ', statusPill('incident.status', i.status), ' ', exerciseBadge(i)),
      ),
    );
    if (!items.length) incidentList.append(h('li', { class: 'muted' }, t('incidents.none')));
    const selected = items.find((i) => i.id === selectedId) || null;
    await loadIncidentLayers(selected);
  }

  const unsubs = [
    sse.subscribe('incident.completed', (e) => {
      if (selectedId === null || e.record_id === selectedId) loadIncidents();
    }),
    sse.subscribe('incident.failed', () => loadIncidents()),
    sse.subscribe('incident.created', () => loadIncidents()),
  ];
  for (const kind of ['alert.drafted', 'alert.revised', 'alert.approved', 'alert.published', 'alert.cancelled', 'alert.superseded']) {
    unsubs.push(sse.subscribe(kind, () => loadAlertAreas()));
  }

  loadIncidents();
  loadAlertAreas();

  return () => {
    disposed = true;
    for (const u of unsubs) u();
    map.remove();
    if (window.forewarnMap === map) window.forewarnMap = null;
  };
}
