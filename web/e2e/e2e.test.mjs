// End-to-end test of the Forewarn web UI: Debian's Chromium driven by playwright-core against
// `forewarn serve --demo` on a fresh SQLite database. See README.md for how to run it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, guardedContext, waitForMapLayers, SHOTS, PASSWORD, uiLogin } from './harness.mjs';

const RUN_TIMEOUT_MS = 300_000;
const UI_TIMEOUT_MS = 30_000;

let server;
let base;
let browser;
const foreignRequests = [];
const pageErrors = [];
const ctxs = {};

/** A fresh, isolated browser context (own cookies) with the offline guard installed. */
async function newContext(name) {
  const viewport = { width: 1400, height: 900 };
  const ctx = await guardedContext(browser, base, name, { viewport, foreign: foreignRequests, pageErrors });
  ctxs[name] = ctx;
  return ctx;
}

/** Screenshots the README shows, kept in docs/img (the rest stay in the screenshots folder). */
const DOC_SHOTS = {
  '02-map-incident-layer.png': 'map.png',
  '10-exercise-director.png': 'exercise-director.png',
  '11-exercise-tj-inbox.png': 'exercise-tj-inbox.png',
};

async function shot(page, file) {
  await page.screenshot({ path: path.join(SHOTS, file), fullPage: false });
  if (DOC_SHOTS[file]) fs.copyFileSync(path.join(SHOTS, file), path.join(SHOTS, '..', '..', '..', 'docs', 'img', DOC_SHOTS[file]));
}

async function login(ctx, username) {
  const page = await ctx.newPage();
  await uiLogin(page, base, username, '', UI_TIMEOUT_MS);
  await page.locator('#nav a#nav-map').waitFor({ timeout: UI_TIMEOUT_MS });
  await waitForMapLayers(page, UI_TIMEOUT_MS);
  return page;
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await startServer('forewarn-e2e-');
  base = server.base;
  // playwright-core starts Chromium with a fresh temporary --user-data-dir of its own.
  browser = await launchBrowser();
});

after(async () => {
  if (server && server.exitStatus()) console.error(`the server exited (${server.exitStatus()}):\n${server.log()}`);
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('operations centre workflow in the browser', { timeout: 15 * 60_000 }, async (t) => {
  let duty;
  let incidentId;
  let alertId;
  let approver;

  await t.test('1. log in as pk.duty', async () => {
    const ctx = await newContext('pk.duty');
    const page = await ctx.newPage();
    await page.goto(`${base}/`);
    await page.locator('#login-username').waitFor();
    // A wrong password is refused with a readable message.
    await page.locator('#login-username').fill('pk.duty');
    await page.locator('#login-password').fill('wrong-password');
    await page.locator('#login-submit').click();
    await page.locator('.login .field-error:not([hidden])').waitFor({ timeout: UI_TIMEOUT_MS });
    await shot(page, '01-login-refused.png');
    await page.locator('#login-password').fill(PASSWORD);
    await page.locator('#login-submit').click();
    await page.locator('#whoami', { hasText: 'pk.duty' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#map canvas').waitFor({ timeout: UI_TIMEOUT_MS });
    // Boundaries come from the local API and are drawn.
    await page.waitForFunction(() => {
      const m = window.forewarnMap;
      return m && m.isSourceLoaded('countries') && m.queryRenderedFeatures({ layers: ['countries-fill'] }).length > 0;
    }, null, { timeout: UI_TIMEOUT_MS });
    // Demo records are not exercise records: no EXERCISE banner.
    assert.equal(await page.locator('#exercise-banner').isVisible(), false);
    await shot(page, '01-map-after-login.png');
    duty = page;
  });

  await t.test('2. run an earthquake incident and see its layer on the map', async () => {
    const page = duty;
    // The epicentre can come from a click on the map: only the position is filled in.
    await page.locator('#nav-map').click();
    await waitForMapLayers(page, UI_TIMEOUT_MS);
    const spot = await page.evaluate(() => window.forewarnMap.project([73.2, 33.9]));
    const mapBox = await page.locator('#map').boundingBox();
    await page.mouse.click(mapBox.x + spot.x, mapBox.y + spot.y);
    await page.locator('#map-run-here').click();
    await page.locator('#run-form').waitFor();
    assert.match(page.url(), /#\/incidents\/at\//);
    // (At the region's zoom a pixel is about 0.1 degree.)
    assert.ok(Math.abs(Number(await page.locator('#run-lat').inputValue()) - 33.9) < 0.25);
    assert.ok(Math.abs(Number(await page.locator('#run-lon').inputValue()) - 73.2) < 0.25);
    assert.equal(await page.locator('#run-mag').inputValue(), '', 'nothing but the position is filled in');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'run-depth_km');
    await page.locator('#nav-incidents').click();
    await page.waitForFunction(() => location.hash === '#/incidents');
    // The screen is drawn anew for the plain address (the picked position's note is gone).
    await page.waitForFunction(() => document.querySelector('#run-form') && !document.querySelector('#run-import-note')?.textContent, null, { timeout: UI_TIMEOUT_MS });
    // No event is pre-filled; the origin time defaults to now.
    for (const f of ['lat', 'lon', 'depth_km', 'mag']) assert.equal(await page.locator(`#run-${f}`).inputValue(), '', f);
    assert.match(await page.locator('#run-origin_time').inputValue(), /^\d{4}-\d\d-\d\dT\d\d:\d\d/);
    // An event imported from a USGS GeoJSON file fills the form, origin time included.
    const usgs = {
      type: 'Feature',
      properties: { mag: 6.4, time: Date.parse('2026-11-30T21:14:05Z'), place: '40 km NNE of Gilgit, Pakistan', title: 'M 6.4 - 40 km NNE of Gilgit, Pakistan' },
      geometry: { type: 'Point', coordinates: [74.5, 36.2, 18.5] },
      id: 'us7000test',
    };
    await page.locator('#run-import').setInputFiles({ name: 'us7000test.geojson', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(usgs)) });
    await page.locator('#run-import-note', { hasText: 'us7000test.geojson' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.locator('#run-mag').inputValue(), '6.4');
    assert.equal(await page.locator('#run-depth_km').inputValue(), '18.5');
    assert.equal(await page.locator('#run-origin_time').inputValue(), '2026-11-30T21:14:05');
    // A broken file is refused with its name.
    await page.locator('#run-import').setInputFiles({ name: 'broken.xml', mimeType: 'application/xml', buffer: Buffer.from('<q:quakeml') });
    await page.locator('#run-form .field-error:not([hidden])', { hasText: 'broken.xml' }).waitFor({ timeout: UI_TIMEOUT_MS });
    // And from a QuakeML 1.2 event (depth in metres).
    const quakeml = `<?xml version="1.0"?><q:quakeml xmlns:q="http://quakeml.org/xmlns/quakeml/1.2" xmlns="http://quakeml.org/xmlns/bed/1.2">
      <eventParameters publicID="smi:test/ep"><event publicID="smi:test/ev1"><description><text>Hindu Kush region</text></description>
      <origin publicID="smi:test/o1"><time><value>2026-11-29T10:00:00.50Z</value></time><latitude><value>36.52</value></latitude>
      <longitude><value>70.98</value></longitude><depth><value>210000</value></depth></origin>
      <magnitude publicID="smi:test/m1"><mag><value>7.5</value></mag><type>Mw</type></magnitude></event></eventParameters></q:quakeml>`;
    await page.locator('#run-import').setInputFiles({ name: 'hk.xml', mimeType: 'application/xml', buffer: Buffer.from(quakeml) });
    await page.locator('#run-import-note', { hasText: 'hk.xml' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.locator('#run-depth_km').inputValue(), '210');
    assert.equal(await page.locator('#run-lat').inputValue(), '36.52');
    // (Chromium drops zero seconds from a datetime-local value.)
    assert.match(await page.locator('#run-origin_time').inputValue(), /^2026-11-29T10:00(:00)?$/);
    await page.locator('#run-title-input').fill('E2E M6.8 near Islamabad');
    // Out-of-range input is caught before it is sent.
    await page.locator('#run-mag').fill('12');
    await page.locator('#run-submit').click();
    await page.locator('#run-mag-error:not([hidden])').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#run-lat').fill('33.9');
    await page.locator('#run-lon').fill('73.2');
    await page.locator('#run-depth_km').fill('12');
    await page.locator('#run-mag').fill('6.8');
    await page.locator('#run-origin_time').fill('2026-12-01T03:50:40');
    await page.locator('#run-submit').click();
    // The run is confirmed before it starts.
    const confirm = page.locator('#run-confirm-box');
    await confirm.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    assert.match(await page.locator('#run-confirm-text').textContent(), /M6\.8.*33\.9.*73\.2/);
    await page.locator('#run-confirm').click();
    const progress = page.locator('#run-progress');
    await progress.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    incidentId = Number(await progress.getAttribute('data-incident'));
    assert.ok(incidentId > 0, 'incident id shown');
    const sent = await page.evaluate(async (id) => (await (await fetch(`/api/incidents/${id}`)).json()).quake, incidentId);
    assert.equal(sent.origin_time, '2026-12-01T03:50:40Z', 'the origin time reaches the run');
    await shot(page, '02-incident-running.png');
    await page.locator('#run-progress[data-status="complete"]').waitFor({ timeout: RUN_TIMEOUT_MS });
    const log = await page.locator('#run-log').textContent();
    assert.match(log, /\d+\/\d+/, 'progress was streamed into the log');
    await shot(page, '02-incident-complete.png');
    await page.locator('#run-show-map').click();
    await page.waitForFunction((id) => document.querySelector('#map')?.dataset.incident === String(id), incidentId, { timeout: UI_TIMEOUT_MS });
    const bands = Number(await page.locator('#map').getAttribute('data-mmi-features'));
    assert.ok(bands > 0, `MMI contour layer has features (${bands})`);
    await page.waitForFunction(() => {
      const m = window.forewarnMap;
      return m && m.loaded() && m.queryRenderedFeatures({ layers: ['incident-mmi-fill'] }).length > 0;
    }, null, { timeout: UI_TIMEOUT_MS });
    const swatches = await page.locator('#map-legend-mmi .swatch').count();
    assert.ok(swatches > 0 && swatches <= bands, `legend lists the drawn bands (${swatches} of ${bands})`);
    const drawnMmi = await page.evaluate(() => window.forewarnMap.queryRenderedFeatures({ layers: ['incident-mmi-fill'] }).map((f) => f.properties.mmi));
    assert.ok(drawnMmi.every((m) => m >= 4), 'only MMI IV and above is drawn');
    // The legend names each intensity once; the epicentre is marked where the event was.
    const legend = await page.locator('#map-legend-mmi li').allTextContents();
    assert.equal(new Set(legend).size, legend.length, `legend rows are unique: ${legend.join(' | ')}`);
    const epi = await page.evaluate(() => {
      const el = document.querySelector('#map-epicentre');
      if (!el) return null;
      const r = el.getBoundingClientRect();
      const p = window.forewarnMap.project([73.2, 33.9]);
      const c = document.querySelector('#map').getBoundingClientRect();
      return { dx: r.left + r.width / 2 - (c.left + p.x), dy: r.top + r.height / 2 - (c.top + p.y), label: el.getAttribute('aria-label') };
    });
    assert.ok(epi, 'an epicentre marker');
    assert.ok(Math.abs(epi.dx) < 3 && Math.abs(epi.dy) < 3, `the marker sits on the epicentre (${epi.dx}, ${epi.dy})`);
    assert.match(epi.label, /M6\.8/);
    // Place names: shown, none overlapping another.
    const labels = await page.evaluate(() => [...document.querySelectorAll('.map-label:not([hidden])')].map((el) => {
      const r = el.getBoundingClientRect();
      return { text: el.textContent, x0: r.left, x1: r.right, y0: r.top, y1: r.bottom };
    }));
    assert.ok(labels.length >= 5, `place names on the map (${labels.length})`);
    assert.ok(labels.some((l) => l.text === 'Rawalpindi'), labels.map((l) => l.text).join());
    for (const [i, a] of labels.entries()) {
      for (const b of labels.slice(i + 1)) {
        assert.ok(a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0, `${a.text} overlaps ${b.text}`);
      }
    }
    // One click, one popup: the topmost feature's (an affected settlement over the contours).
    const town = await page.evaluate(() => {
      const m = window.forewarnMap;
      const f = m.queryRenderedFeatures({ layers: ['incident-settlements'] })[0];
      return f ? m.project(f.geometry.coordinates) : null;
    });
    assert.ok(town, 'an affected settlement is drawn');
    const box = await page.locator('#map').boundingBox();
    await page.mouse.click(box.x + town.x, box.y + town.y);
    await page.locator('.maplibregl-popup').first().waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.locator('.maplibregl-popup').count(), 1, 'one popup per click');
    assert.match(await page.locator('.maplibregl-popup').textContent(), /MMI/);
    await shot(page, '02-map-incident-layer.png');
  });

  await t.test('3. compose an alert as a form, validated live, previewed as the public will read it', async () => {
    const page = duty;
    await page.goto(`${base}/#/compose/incident/${incidentId}`);
    await page.locator('#compose-validation[data-state="valid"]').waitFor({ timeout: UI_TIMEOUT_MS });
    // The message is a form: the assessment with CAP's definitions, one column per language.
    assert.equal(await page.locator('#compose-advanced').getAttribute('open'), null, 'the XML is folded away');
    const severity = await page.locator('#compose-severity').inputValue();
    assert.ok(['Extreme', 'Severe', 'Moderate', 'Minor'].includes(severity), severity);
    assert.match(await page.locator('#compose-severity-def').textContent(), /threat to life or property/);
    const langs = await page.locator('.lang-column').evaluateAll((els) => els.map((e) => [e.dataset.lang, e.getAttribute('dir')]));
    assert.deepEqual(langs.find(([l]) => l === 'ur'), ['ur', 'rtl'], JSON.stringify(langs));
    assert.ok(langs.some(([l]) => l.startsWith('en')), JSON.stringify(langs));
    // Editing the English headline changes the XML and the rendered page.
    const enCol = page.locator('.lang-column[data-lang^="en"]');
    const headline = enCol.locator('input[data-field="headline"]');
    const newHeadline = `${await headline.inputValue()} (checked by the duty officer)`;
    await headline.fill(newHeadline);
    await page.locator('#compose-validation[data-state="valid"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.waitForFunction((text) => {
      const f = document.querySelector('#compose-preview-frame');
      return f && f.getAttribute('srcdoc').includes(text);
    }, '(checked by the duty officer)', { timeout: UI_TIMEOUT_MS });
    const frame = page.frameLocator('#compose-preview-frame');
    assert.match(await frame.locator('section.cap-info[lang^="en"] h2').textContent(), /checked by the duty officer/);
    assert.equal(await frame.locator('section.cap-info[lang="ur"]').getAttribute('dir'), 'rtl');
    // Lowering the urgency goes into every language of the message.
    await page.locator('#compose-urgency').selectOption('Expected');
    assert.match(await page.locator('#compose-urgency-def').textContent(), /within the next hour/);
    await page.locator('#compose-validation[data-state="valid"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#compose-advanced summary').click();
    const xml = await page.locator('#compose-xml').inputValue();
    assert.match(xml, /<alert[\s>]/);
    assert.ok(xml.includes(newHeadline.replace(/&/g, '&amp;')), 'the form wrote the headline into the XML');
    const urgencies = xml.match(/<urgency>[^<]*<\/urgency>/g);
    assert.ok(urgencies.length >= 2 && urgencies.every((u) => u === '<urgency>Expected</urgency>'), urgencies.join());
    await shot(page, '03-compose-form.png');
    // Breaking the XML in the advanced view is reported by the server's validator.
    await page.locator('#compose-xml').fill(xml.replace(/<severity>[^<]*<\/severity>/, '<severity>Terrible</severity>'));
    await page.locator('#compose-validation[data-state="invalid"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await shot(page, '03-compose-invalid.png');
    await page.locator('#compose-xml').fill(xml);
    await page.locator('#compose-validation[data-state="valid"]').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.locator('.lang-column[data-lang^="en"] input[data-field="headline"]').inputValue(), newHeadline, 'the form follows the XML');
    await page.locator('#compose-save').click();
    await page.locator('#compose-saved').waitFor({ timeout: UI_TIMEOUT_MS });
    alertId = Number(await page.locator('#compose-saved').getAttribute('data-alert-id'));
    assert.ok(alertId > 0);
    await shot(page, '03-compose-saved.png');

    // Saving switched the composer to revising that draft.
    await page.waitForFunction((id) => location.hash === `#/compose/alert/${id}`, alertId);
    // A second draft marked as an exercise message is visibly labelled EXERCISE.
    await page.goto(`${base}/#/compose/incident/${incidentId}`);
    await page.locator('#compose-saved').waitFor({ state: 'detached' });
    await page.locator('#compose-validation[data-state="valid"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#compose-advanced summary').click();
    await page.locator('#compose-xml').fill(xml.replace(/<status>Actual<\/status>/, '<status>Exercise</status>'));
    await page.locator('#compose-preview [data-exercise]').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#compose-save').click();
    await page.locator('#compose-saved').waitFor({ timeout: UI_TIMEOUT_MS });
    const exerciseId = Number(await page.locator('#compose-saved').getAttribute('data-alert-id'));
    await page.locator('#nav-approvals').click();
    const exCard = page.locator(`#queue-drafts [data-alert-id="${exerciseId}"]`);
    await exCard.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await exCard.locator('.exercise-badge').textContent(), 'EXERCISE');
    // The drafter is not an approver: no approve button on their own drafts.
    assert.equal(await page.locator(`#queue-drafts [data-alert-id="${alertId}"] [data-action="approve"]`).count(), 0);
    await shot(page, '03-queue-with-exercise.png');
  });

  await t.test('4. approve it as pk.approver, then publish', async () => {
    const ctx = await newContext('pk.approver');
    approver = await login(ctx, 'pk.approver');
    await approver.locator('#nav-approvals').click();
    const card = approver.locator(`#queue-drafts [data-alert-id="${alertId}"]`);
    await card.waitFor({ timeout: UI_TIMEOUT_MS });
    // The organisation's auto-publish setting is on the screen (off in the demo).
    await approver.locator('#auto-publish', { hasText: 'Auto-publish is off' }).waitFor({ timeout: UI_TIMEOUT_MS });
    // The approver reads the message as the public will, with the incident's figures.
    await card.locator('[data-action="review"]').click();
    await card.locator('.review-impact').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await card.locator('.review-impact').textContent(), /Alert level/);
    const reviewFrame = approver.frameLocator(`#review-frame-${alertId}`);
    assert.match(await reviewFrame.locator('section.cap-info[lang^="en"] h2').textContent(), /checked by the duty officer/);
    assert.equal(await reviewFrame.locator('section.cap-info[lang="ur"]').getAttribute('dir'), 'rtl');
    await shot(approver, '04-approval-queue.png');
    await card.locator('[data-action="approve"]').click();
    const approvedCard = approver.locator(`#queue-approved [data-alert-id="${alertId}"]`);
    await approvedCard.waitFor({ timeout: UI_TIMEOUT_MS });
    await approvedCard.locator('[data-action="publish"]').click();
    await approver.locator(`#queue-published [data-alert-id="${alertId}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    await shot(approver, '04-published.png');
    // The drafter's queue follows live (SSE): the alert leaves the drafts there too.
    await duty.locator(`#queue-published [data-alert-id="${alertId}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  await t.test('5. see it in the Atom feed', async () => {
    const link = approver.locator(`#queue-published [data-alert-id="${alertId}"] a[data-link="feed"]`);
    const href = await link.getAttribute('href');
    const feedPage = await ctxs['pk.approver'].newPage();
    const res = await feedPage.goto(new URL(href, base).toString());
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'] || '', /atom\+xml/);
    const body = await res.text();
    assert.match(body, /<feed[\s>]/);
    assert.ok(body.includes(`/cap/${alertId}.xml`), 'feed links to the alert at its stable URL');
    await shot(feedPage, '05-atom-feed.png');
    // The stable CAP URL (served as application/cap+xml, which the browser would download).
    const cap = await feedPage.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    }, `${base}/cap/${alertId}.xml`);
    assert.equal(cap.status, 200);
    assert.match(cap.type || '', /cap\+xml|xml/);
    assert.match(cap.text, /<alert[\s>]/);
    await feedPage.close();
  });

  await t.test('6. an offer from kz.duty arrives live on the board', async () => {
    const page = duty;
    await page.locator('#nav-board').click();
    await page.locator('#request-form').waitFor();
    await page.locator('#request-title').fill('E2E urban search and rescue teams');
    await page.locator('#request-quantity').fill('2');
    await page.locator('#request-submit').click();
    const reqCard = page.locator('#board-requests article', { hasText: 'E2E urban search and rescue teams' });
    await reqCard.waitFor({ timeout: UI_TIMEOUT_MS });
    const requestId = Number(await reqCard.getAttribute('data-request-id'));
    // Mark the document: if the board reloaded the page, the mark would be gone.
    await page.evaluate(() => (window.__e2eNoReload = true));

    const kz = await login(await newContext('kz.duty'), 'kz.duty');
    await kz.locator('#nav-board').click();
    const kzCard = kz.locator(`#board-requests article[data-request-id="${requestId}"]`);
    await kzCard.waitFor({ timeout: UI_TIMEOUT_MS });
    await kzCard.locator(`#offer-qty-${requestId}`).fill('1');
    await kzCard.locator(`#offer-eta-${requestId}`).fill('18');
    await kzCard.locator(`#offer-desc-${requestId}`).fill('One heavy USAR team, 60 people');
    await kzCard.locator('[data-action="offer"]').click();
    await kzCard.locator('[data-offer-org="kz"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await shot(kz, '06-kz-offer-made.png');

    const offer = page.locator(`#board-requests article[data-request-id="${requestId}"] [data-offer-org="kz"]`);
    await offer.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.evaluate(() => window.__e2eNoReload), true, 'offer arrived without a reload');
    await shot(page, '06-pk-offer-arrived.png');
    // The requester accepts; the offerer sees it live too.
    await offer.locator('[data-action="accept"]').click();
    await kzCard.locator('[data-offer-org="kz"][data-status="accepted"]').waitFor({ timeout: UI_TIMEOUT_MS });
  });

  await t.test('language switch and activity log', async () => {
    const page = duty;
    await page.locator('#nav-activity').click();
    await page.locator('#activity-rows tr[data-seq]').first().waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#lang-select').selectOption('ru');
    await page.locator('#nav-map', { hasText: 'Карта' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('h1', { hasText: 'Журнал действий' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await shot(page, '07-activity-ru.png');
    await page.locator('#lang-select').selectOption('en');
    await page.locator('#nav-map', { hasText: 'Map' }).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  await t.test('no request left 127.0.0.1 and no script errors', () => {
    assert.deepEqual(foreignRequests, []);
    assert.deepEqual(pageErrors, []);
  });
});

test('live exercise with players from two countries', { timeout: 10 * 60_000 }, async (t) => {
  let director;
  let exerciseId;
  let tj;
  let kg;

  await t.test('the director creates and starts the Pamir exercise', async () => {
    const ctx = await newContext('rc.coordinator');
    director = await login(ctx, 'rc.coordinator');
    await director.locator('#nav-exercise').click();
    await director.locator('#exercise-create-form').waitFor({ timeout: UI_TIMEOUT_MS });
    await director.locator('#exercise-scenario option[value="exercise-pamir.toml"]').waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    await director.locator('#exercise-scenario').selectOption('exercise-pamir.toml');
    await director.locator('#exercise-create').click();
    const join = director.locator('#exercise-list button[data-join]').first();
    await join.waitFor({ timeout: 120_000 });
    exerciseId = await join.getAttribute('data-join');
    await join.click();
    await director.locator('#exercise-start').click();
    await director.locator('#exercise-clock[data-status="running"]').waitFor({ timeout: UI_TIMEOUT_MS });
    // Every screen of the exercise is marked.
    await director.locator('#exercise-banner', { hasText: 'EXERCISE' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await director.evaluate(() => document.body.classList.contains('exercise-mode')), true);
    await director.locator('#exercise-jump-to').fill('3h30m');
    await director.locator('#exercise-jump').click();
    await director.waitForFunction(() => Number(document.querySelector('#exercise-clock')?.dataset.t || 0) >= 12600, null, { timeout: UI_TIMEOUT_MS });
    // The director follows the scenario events list live: delivered injects with their
    // acknowledgements, the rest with their triggers, a timeline with a cursor at now.
    await director.locator('#exercise-msel-table tr[data-state="fired"]').first().waitFor({ timeout: UI_TIMEOUT_MS });
    const msel = await director.locator('#exercise-msel-table tbody tr').evaluateAll((rows) => rows.map((r) => ({ id: r.dataset.inject, state: r.dataset.state, cells: [...r.cells].map((c) => c.textContent) })));
    assert.ok(msel.some((r) => r.state === 'fired' && /^\d+\/\d+$/.test(r.cells[5])), JSON.stringify(msel.slice(0, 3)));
    assert.ok(msel.some((r) => r.state !== 'fired'), 'injects still to come');
    assert.equal(new Set(msel.map((r) => r.id)).size, msel.length, 'each inject once');
    assert.ok(await director.locator('.msel-track .msel-now').count() === 1, 'a cursor at now');
    // Players do not get the list.
    assert.equal(await director.locator('#exercise-msel').isVisible(), true);
    await shot(director, '10-exercise-director.png');
  });

  async function player(username) {
    const ctx = await newContext(username);
    const page = await login(ctx, username);
    await page.locator('#nav-exercise').click();
    const join = page.locator(`#exercise-list button[data-join="${exerciseId}"]`);
    await join.waitFor({ timeout: UI_TIMEOUT_MS });
    await join.click();
    await page.locator('#exercise-inbox article[data-inject]').first().waitFor({ timeout: UI_TIMEOUT_MS });
    return page;
  }

  async function injects(page) {
    return page.locator('#exercise-inbox article[data-inject]').evaluateAll((els) => els.map((e) => e.dataset.inject));
  }

  await t.test('each player sees only their own injects', async () => {
    tj = await player('tj.duty');
    kg = await player('kg.duty');
    assert.equal(await tj.locator('#exercise-msel').isVisible(), false, 'a player has no scenario events list');
    const tjIds = await injects(tj);
    const kgIds = await injects(kg);
    assert.ok(tjIds.includes('i02') && !kgIds.includes('i02'), `tj ${tjIds} kg ${kgIds}`);
    assert.ok(kgIds.includes('i13') && !tjIds.includes('i13'), `tj ${tjIds} kg ${kgIds}`);
    await tj.locator('#exercise-inbox article[data-inject="i02"] button[data-ack]').click();
    await tj.locator('#exercise-inbox article[data-inject="i02"] [data-acked]').waitFor({ timeout: UI_TIMEOUT_MS });
    await shot(tj, '11-exercise-tj-inbox.png');
    await shot(kg, '11-exercise-kg-inbox.png');
    // Role names are words of the UI language, not the plan's identifiers.
    await kg.locator('#lang-select').selectOption('ru');
    await kg.locator('#exercise-my-roles', { hasText: 'участник' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.ok(!/player/.test(await kg.locator('#exercise-my-roles').textContent()));
    await kg.locator('#lang-select').selectOption('en');
    await kg.locator('#exercise-my-roles', { hasText: 'player' }).waitFor({ timeout: UI_TIMEOUT_MS });
    // Beside the EXERCISE banner every navigation item stays in view (the nav need not scroll).
    const navFits = await tj.evaluate(() => {
      const nav = document.getElementById('nav');
      // Rows: item tops more than 4 px apart (sub-pixel differences are one row).
      const tops = [...nav.querySelectorAll('a')].map((a) => a.getBoundingClientRect().top).sort((x, y) => x - y);
      const rows = tops.filter((top, i) => i === 0 || top - tops[i - 1] > 4).length;
      return { scroll: nav.scrollWidth, client: nav.clientWidth, rows, banner: !document.getElementById('exercise-banner').hidden };
    });
    assert.ok(navFits.banner && navFits.scroll <= navFits.client + 1, JSON.stringify(navFits));
    // In English the whole navigation is one row beside the banner (from 1366 px; app.css).
    assert.equal(navFits.rows, 1, JSON.stringify(navFits));
  });

  await t.test('players act through the normal screens, marked EXERCISE', async () => {
    await tj.locator('#nav-incidents').click();
    const row = tj.locator('tr.exercise-record', { hasText: 'EXERCISE' }).first();
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    await tj.locator('#exercise-banner').waitFor({ timeout: UI_TIMEOUT_MS });
    // Each exercise hazard once: Tajikistan's own incident, not every playing country's copy.
    const orgs = await tj.locator('tr.exercise-record').evaluateAll((rows) => rows.map((r) => r.cells[2].textContent));
    assert.ok(orgs.length > 0 && orgs.every((o) => o === 'TJ'), orgs.join());
    await shot(tj, '12-exercise-tj-incidents.png');
    // The exercise incident's page offers its affected area and settlements for QGIS (a plain
    // download link, without the exercise header), and no run table.
    await row.locator('a.incident-page-link').click();
    await tj.locator('#incident-data').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await tj.locator('#incident-exposure-csv').count(), 0);
    // The page is the scenario's: the countries the shaking reaches with their people, no
    // run's fatality panel, and nothing to compare with.
    const scenario = tj.frameLocator('#incident-report');
    await scenario.locator('#rpt-places tbody tr').first().waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await scenario.locator('#rpt-fatalities').count(), 0);
    assert.match(await scenario.locator('#rpt-scenario-note').textContent(), /players' actions/);
    assert.equal(await tj.locator('#incident-compare').count(), 0);
    const [download] = await Promise.all([tj.waitForEvent('download'), tj.locator('#incident-settlements-geojson').click()]);
    const fc = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    assert.equal(fc.type, 'FeatureCollection');
    assert.ok(fc.features.length > 0, 'settlements in the exercise footprint');
    const area = await (await tj.request.get(`${base}${await tj.locator('#incident-footprint-geojson').getAttribute('href')}`)).json();
    assert.equal(area.type, 'FeatureCollection');
    // A situation report written in the exercise is an exercise record.
    await tj.locator('#nav-sitreps').click();
    await tj.locator('#sitrep-title').fill('Sitrep 1: Rushon cut off');
    await tj.locator('#sitrep-body').fill('Road to Rushon blocked by landslides; USAR needed.');
    await tj.locator('#sitrep-submit').click();
    await tj.locator('#sitrep-list article.exercise-record', { hasText: 'Rushon cut off' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await shot(tj, '12-exercise-tj-sitrep.png');
    // Leaving the exercise shows the real incident list, without the exercise incident.
    await tj.locator('#nav-exercise').click();
    await tj.locator('#exercise-leave').click();
    await tj.locator('#exercise-list').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await tj.locator('#exercise-banner').isVisible(), false);
    await tj.locator('#nav-incidents').click();
    await tj.locator('h1').first().waitFor({ timeout: UI_TIMEOUT_MS });
    await tj.waitForTimeout(500);
    assert.equal(await tj.locator('tr.exercise-record').count(), 0);
    await tj.locator('#nav-sitreps').click();
    await tj.locator('#sitrep-list').waitFor({ timeout: UI_TIMEOUT_MS });
    await tj.waitForTimeout(500);
    assert.equal(await tj.locator('#sitrep-list article', { hasText: 'Rushon cut off' }).count(), 0);
  });

  await t.test('an evaluator rates an objective and the report is written at the end', async () => {
    await director.locator('#exercise-objective').selectOption('obj-eq-info');
    await director.locator('#exercise-rating-value').selectOption('S');
    await director.locator('#exercise-note').fill('Warning issued, but late.');
    await director.locator('#exercise-rate').click();
    await director.locator('#exercise-rated', { hasText: 'obj-eq-info' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await shot(director, '13-exercise-rating.png');
    // Ending asks first; "Keep running" leaves it running.
    await director.locator('#exercise-end').click();
    await director.locator('#exercise-end-cancel').click();
    await director.locator('#exercise-end').click();
    await director.locator('#exercise-end-confirm').click();
    await director.locator('#exercise-report-link').waitFor({ timeout: UI_TIMEOUT_MS });
    await director.locator('#exercise-totals').waitFor({ timeout: UI_TIMEOUT_MS });
    await shot(director, '14-exercise-ended.png');
    const report = await director.context().newPage();
    await report.goto(`${base}/api/exercises/${exerciseId}/report`);
    await report.locator('text=Pamir Shield 2026').first().waitFor({ timeout: UI_TIMEOUT_MS });
    const html = await report.content();
    assert.ok(html.includes('Warning issued, but late.') || html.includes('obj-eq-info'), 'the rating is in the report');
    await shot(report, '15-exercise-report.png');
  });

  await t.test('no request left 127.0.0.1 and no script errors in the exercise', () => {
    assert.deepEqual(foreignRequests, []);
    assert.deepEqual(pageErrors, []);
  });
});
