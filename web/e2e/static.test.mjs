// Static checks of the web UI that need no browser: translations complete, nothing remote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { circleRing, bbox } from '../js/cap_area.js';
import { fmtTime, orgTimeZone, ORG_TIME_ZONES } from '../js/common.js';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (p) => fs.readFileSync(path.join(WEB, p), 'utf8');

function sources() {
  const out = ['index.html', 'app.css'];
  const walk = (dir) => {
    for (const e of fs.readdirSync(path.join(WEB, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.js')) out.push(rel);
    }
  };
  walk('js');
  return out;
}

test('every UI language has the English keys, no empty strings and the same placeholders', () => {
  const en = JSON.parse(read('i18n/en.json'));
  const ph = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
  for (const lang of ['ru', 'zh', 'ur']) {
    const tr = JSON.parse(read(`i18n/${lang}.json`));
    assert.deepEqual(Object.keys(tr).sort(), Object.keys(en).sort(), lang);
    for (const [k, v] of Object.entries(tr)) assert.ok(v.trim(), `${lang} ${k} empty`);
    // Placeholders match, so no value is lost in translation.
    for (const k of Object.keys(en)) assert.equal(ph(tr[k]), ph(en[k]), `${lang}: placeholders of ${k}`);
  }
});

test('the language menu offers exactly the translated languages', () => {
  const files = fs.readdirSync(path.join(WEB, 'i18n')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  const menu = [...read('index.html').matchAll(/<option value="(\w+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(menu, files);
  const supported = read('js/i18n.js').match(/const SUPPORTED = \[([^\]]*)\]/)[1].match(/\w+/g).sort();
  assert.deepEqual(supported, files);
});

test('every literal translation key used by the UI exists', () => {
  const en = JSON.parse(read('i18n/en.json'));
  const used = new Set();
  for (const file of sources()) {
    const text = read(file);
    for (const m of text.matchAll(/\bt\('([^']+)'/g)) used.add(m[1]);
    for (const m of text.matchAll(/data-i18n="([^"]+)"/g)) used.add(m[1]);
    for (const m of text.matchAll(/field\('[^']+', '([^']+)'/g)) used.add(m[1]);
    for (const m of text.matchAll(/key: '([^']+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 50);
  const missing = [...used].filter((k) => !(k in en));
  assert.deepEqual(missing, []);
});

test('the UI references no remote host', () => {
  for (const file of sources()) {
    const text = read(file);
    const remote = text.match(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[/"')]/gi) || [];
    assert.deepEqual(remote, [], `${file} references ${remote.join(', ')}`);
  }
  // The vendored library is the only script that is not ours, and it is served locally.
  assert.match(read('index.html'), /src="\/vendor\/maplibre-gl\/maplibre-gl\.js"/);
  assert.ok(fs.existsSync(path.join(WEB, 'vendor/maplibre-gl/LICENSE.txt')));
});

test('CAP circles become closed rings of the right radius', () => {
  const ring = circleRing(34.5, 73.6, 50);
  assert.equal(ring.length, 65);
  assert.deepEqual(ring[0], ring[ring.length - 1]);
  const R_KM = 6371.0088;
  const toRad = (d) => (d * Math.PI) / 180;
  for (const [lon, lat] of ring) {
    // Haversine distance from the centre.
    const dLat = toRad(lat - 34.5);
    const dLon = toRad(lon - 73.6);
    const a = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(34.5)) * Math.cos(toRad(lat)) * Math.sin(dLon / 2) ** 2;
    const d_km = 2 * R_KM * Math.asin(Math.sqrt(a));
    assert.ok(Math.abs(d_km - 50) < 1e-6, `vertex at ${d_km} km`);
  }
  const box = bbox({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] } }] });
  assert.ok(box[0][1] < 34.5 - 0.44 && box[1][1] > 34.5 + 0.44, 'about 0.45 degrees of latitude each way');
  assert.equal(bbox({ type: 'FeatureCollection', features: [] }), null);
});

test('times show in the organisation\'s zone and in UTC, ISO style', () => {
  // Every zone of the table is a zone the browser knows.
  for (const [code, zone] of Object.entries(ORG_TIME_ZONES)) {
    assert.doesNotThrow(() => new Intl.DateTimeFormat('en', { timeZone: zone }), `${code} ${zone}`);
  }
  assert.equal(orgTimeZone({ code: 'pk', country_iso2: 'PK' }), 'Asia/Karachi');
  assert.equal(orgTimeZone({ code: 'kg', country_iso2: 'KG' }), 'Asia/Bishkek');
  assert.equal(orgTimeZone({ code: 'rc', country_iso2: null }), 'UTC');
  assert.equal(orgTimeZone({ code: 'pk', time_zone: 'Asia/Karachi' }), 'Asia/Karachi');
  assert.equal(orgTimeZone({ code: 'zz' }), 'UTC');
  assert.equal(orgTimeZone(null), 'UTC');
  // Karachi is UTC+5 all year; late in the UTC day it is already the next local day.
  assert.equal(fmtTime('2026-12-06T23:30:59Z', 'Asia/Karachi'), '2026-12-07 04:30 Asia/Karachi (2026-12-06 23:30 UTC)');
  assert.equal(fmtTime('2026-12-06T14:16:00+00:00', 'Asia/Tehran'), '2026-12-06 17:46 Asia/Tehran (2026-12-06 14:16 UTC)');
  assert.equal(fmtTime('2026-12-06T00:05:00Z', 'UTC'), '2026-12-06 00:05 UTC');
  assert.equal(fmtTime('2026-12-06T00:05:00Z', 'Nowhere/Nothing'), '2026-12-06 00:05 UTC');
  assert.equal(fmtTime(''), '');
  assert.equal(fmtTime('not a time'), 'not a time');
});
