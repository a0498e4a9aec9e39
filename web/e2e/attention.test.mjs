// The attention banner in Debian's Chromium (playwright-core) against a real `forewarn serve
// --demo` on a fresh SQLite database: a new incident, a draft awaiting approval and an incoming
// offer alarm the right users of the right organisation (banner, tone, browser notification),
// and nobody else; times show in the organisation's zone and in UTC. See README.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, apiLogin, guardedContext, waitForMapLayers, SHOTS, PASSWORD, uiLogin } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const UI_TIMEOUT_MS = 30_000;
const RUN_TIMEOUT_MS = 300_000;
// Hours ahead of UTC, all year (neither zone has summer time).
const OFFSET_H = { 'Asia/Karachi': 5, 'Asia/Bishkek': 6 };

let server;
let browser;
// The watch reads QuakeML files dropped here (a national network's drop directory).
let dropDir;
const foreign = [];
const pageErrors = [];

/**
 * Runs in every page before the app: records each Notification the app creates and each
 * oscillator it starts, so the test can read what was shown and played.
 */
function spies() {
  window.__shown = [];
  window.__tones = { contexts: 0, started: 0 };
  const RealNotification = window.Notification;
  if (RealNotification) {
    const Spy = function Notification(title, options = {}) {
      window.__shown.push({ title, body: options.body, tag: options.tag });
      return new RealNotification(title, options);
    };
    Object.defineProperty(Spy, 'permission', { get: () => RealNotification.permission });
    Spy.requestPermission = (...args) => RealNotification.requestPermission(...args);
    Spy.prototype = RealNotification.prototype;
    window.Notification = Spy;
  }
  const RealAudioContext = window.AudioContext;
  window.AudioContext = class extends RealAudioContext {
    constructor(...args) {
      super(...args);
      window.__tones.contexts += 1;
    }
  };
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__tones.started += 1;
    return start.apply(this, args);
  };
}

/**
 * A browser context for `username`, logged in through the form on screen `hash`;
 * notifications allowed when `notify`.
 */
async function openUi(username, { viewport = { width: 1400, height: 900 }, notify = true, hash = '#/map' } = {}) {
  const ctx = await guardedContext(browser, server.base, username, { viewport, foreign, pageErrors });
  if (notify) await ctx.grantPermissions(['notifications'], { origin: server.base });
  await ctx.addInitScript(spies);
  const page = await ctx.newPage();
  await uiLogin(page, server.base, username, hash, UI_TIMEOUT_MS);
  await page.waitForFunction(() => document.body.dataset.sse === 'open', null, { timeout: UI_TIMEOUT_MS });
  if (hash === '#/map') await waitForMapLayers(page, UI_TIMEOUT_MS);
  return page;
}

const shown = (page) => page.evaluate(() => window.__shown.slice());
const tones = (page) => page.evaluate(() => ({ ...window.__tones }));

async function waitForLatest(page, text) {
  await page.locator('#attention:not([hidden]) #attention-latest', { hasText: text }).waitFor({ timeout: UI_TIMEOUT_MS });
}

/** `iso` as `YYYY-MM-DD HH:MM` at `hours` ahead of UTC. */
function isoMinutesAt(iso, hours) {
  return new Date(Date.parse(iso) + hours * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** The text the UI shows for `iso` in `zone` and in UTC. */
function shownTime(iso, zone) {
  return `${isoMinutesAt(iso, OFFSET_H[zone])} ${zone} (${isoMinutesAt(iso, 0)} UTC)`;
}

async function axeSerious(page) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'], iframes: false });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

async function waitForRun(api, id) {
  const end = Date.now() + RUN_TIMEOUT_MS;
  while (Date.now() < end) {
    const inc = await api.get(`/api/incidents/${id}`);
    if (inc.status !== 'running') {
      assert.equal(inc.status, 'complete', JSON.stringify(inc.error));
      return inc;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`incident ${id} did not finish`);
}

/** A watch configuration with one source: QuakeML files in `dir`, read every second. */
function watchToml(dir) {
  return `[[source]]\nname = "e2e-drop"\nkind = "quakeml"\nurl = "file://${dir}/"\npoll_s = 1\nagency = "pk"\n`;
}

/** A reviewed QuakeML 1.2 BED event, as a national network would drop it. */
function quakeml({ id, time, lat, lon, depth_m, mag, region }) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<q:quakeml xmlns="http://quakeml.org/xmlns/bed/1.2" xmlns:q="http://quakeml.org/xmlns/quakeml/1.2">
  <eventParameters publicID="smi:e2e/EventParameters">
    <event publicID="smi:e2e/${id}">
      <preferredOriginID>smi:e2e/Origin/${id}</preferredOriginID>
      <preferredMagnitudeID>smi:e2e/Magnitude/${id}</preferredMagnitudeID>
      <type>earthquake</type>
      <description><text>${region}</text><type>region name</type></description>
      <creationInfo><agencyID>PK</agencyID><creationTime>${time}</creationTime></creationInfo>
      <magnitude publicID="smi:e2e/Magnitude/${id}"><mag><value>${mag}</value></mag><type>Mw</type></magnitude>
      <origin publicID="smi:e2e/Origin/${id}">
        <time><value>${time}</value></time>
        <latitude><value>${lat}</value></latitude>
        <longitude><value>${lon}</value></longitude>
        <depth><value>${depth_m}</value></depth>
        <evaluationMode>manual</evaluationMode>
        <evaluationStatus>reviewed</evaluationStatus>
      </origin>
    </event>
  </eventParameters>
</q:quakeml>
`;
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  dropDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forewarn-attention-drop-'));
  const toml = path.join(dropDir, 'watch.toml');
  fs.mkdirSync(path.join(dropDir, 'quakeml'));
  fs.writeFileSync(toml, watchToml(path.join(dropDir, 'quakeml')));
  server = await startServer('forewarn-attention-', ['--watch', toml]);
  browser = await launchBrowser();
});

after(async () => {
  if (server && server.exitStatus()) console.error(`the server exited (${server.exitStatus()}):\n${server.log()}`);
  if (browser) await browser.close();
  if (server) await server.stop();
  if (dropDir) fs.rmSync(dropDir, { recursive: true, force: true });
});

test('the attention banner alarms the right people', { timeout: 15 * 60_000 }, async (t) => {
  // pk.duty's colleague, a second duty officer of Pakistan, made by the regional admin.
  const rc = await apiLogin(server.base, 'rc.coordinator');
  await rc.post('/api/users', { username: 'pk.duty2', display_name: 'Pakistan duty officer 2', org: 'pk', roles: ['duty_officer'], password: PASSWORD });
  const colleagueApi = await apiLogin(server.base, 'pk.duty2');
  const dutyApi = await apiLogin(server.base, 'pk.duty');
  const kzApi = await apiLogin(server.base, 'kz.duty');

  const duty = await openUi('pk.duty', { viewport: { width: 1366, height: 768 } });
  const approver = await openUi('pk.approver');
  const kg = await openUi('kg.duty', { hash: '#/incidents' });
  // The colleague has not allowed notifications: the banner must work without them.
  const colleague = await openUi('pk.duty2', { notify: false, hash: '#/incidents' });
  await kg.locator('#incident-table').waitFor({ timeout: UI_TIMEOUT_MS });
  await colleague.locator('#incident-table').waitFor({ timeout: UI_TIMEOUT_MS });
  let incident;

  await t.test('a new incident of Pakistan alarms pk.duty: banner, notification, tone', async () => {
    // Regional, so kg.duty receives the event too and must still not be alarmed.
    incident = await colleagueApi.post('/api/incidents', {
      title: 'E2E M6.8 near Gilgit', visibility: 'regional',
      // Realisations keep the run going for some seconds: the checks below need it running
      // (a medians-only run could finish before them on a fast machine).
      quake: { lat: 35.92, lon: 74.31, depth_km: 15, mag: 6.8, realizations: 40 },
    });
    await waitForLatest(duty, 'New incident: E2E M6.8 near Gilgit');
    const banner = duty.locator('#attention');
    assert.equal(await banner.getAttribute('aria-label'), 'Attention');
    assert.equal(await duty.locator('#attention-message').getAttribute('role'), 'alert');
    assert.equal(await duty.locator('#attention-latest').getAttribute('href'), '#/incidents', 'a running incident links to the list');
    assert.equal(await duty.locator('#attention-count').count(), 0, 'one event is not counted');
    // The time of the event, in Pakistan's zone and in UTC.
    const created = await colleagueApi.get(`/api/activity?limit=20`);
    const entry = created.items.find((e) => e.kind === 'incident.created' && e.record_id === incident.id);
    assert.ok(await duty.locator('#attention-message', { hasText: shownTime(entry.ts, 'Asia/Karachi') }).count(), 'time in Asia/Karachi and UTC');
    await duty.waitForFunction(() => window.__shown.length > 0, null, { timeout: UI_TIMEOUT_MS });
    const notes = await shown(duty);
    assert.equal(notes.length, 1, JSON.stringify(notes));
    assert.equal(notes[0].title, 'New incident: E2E M6.8 near Gilgit');
    assert.equal(notes[0].body, shownTime(entry.ts, 'Asia/Karachi'));
    await duty.waitForFunction(() => window.__tones.started > 0, null, { timeout: UI_TIMEOUT_MS });
    const played = await tones(duty);
    assert.equal(played.contexts, 1, 'one AudioContext');
    assert.equal(played.started, 2, 'a two-note tone');
    // The approver of the same organisation is alarmed too.
    await waitForLatest(approver, 'New incident: E2E M6.8 near Gilgit');
    await duty.screenshot({ path: path.join(SHOTS, 'attention-incident-1366.png') });
  });

  await t.test('kg.duty receives the incident but is not alarmed; nor is the colleague who made it', async () => {
    // The event reached both pages live: the incident list shows the new row.
    await kg.locator(`#incident-rows tr[data-id="${incident.id}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    await colleague.locator(`#incident-rows tr[data-id="${incident.id}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    // Kyrgyzstan's time zone on kg's list, Pakistan's on the colleague's.
    const kgCell = await kg.locator(`#incident-rows tr[data-id="${incident.id}"] td`).nth(6).innerText();
    assert.ok(kgCell.includes(shownTime(incident.created_at, 'Asia/Bishkek')), kgCell);
    const pkCell = await colleague.locator(`#incident-rows tr[data-id="${incident.id}"] td`).nth(6).innerText();
    assert.ok(pkCell.includes(shownTime(incident.created_at, 'Asia/Karachi')), pkCell);
    await kg.waitForTimeout(1000);
    for (const [who, page] of [['kg.duty', kg], ['pk.duty2', colleague]]) {
      assert.equal(await page.locator('#attention').isHidden(), true, `${who}: no banner`);
      assert.deepEqual(await shown(page), [], `${who}: no notification`);
      assert.equal((await tones(page)).started, 0, `${who}: no tone`);
    }
  });

  await t.test('when the run completes the banner names the alert level and links to the incident page', async () => {
    incident = await waitForRun(colleagueApi, incident.id);
    const level = { green: 'Green', yellow: 'Yellow', orange: 'Orange', red: 'Red' }[incident.alert_level];
    assert.ok(level, `alert level ${incident.alert_level}`);
    await waitForLatest(duty, `New incident: E2E M6.8 near Gilgit — ${level}`);
    assert.equal(await duty.locator('#attention-latest').getAttribute('href'), `#/incident/${incident.id}`);
    // Completion does not alarm again.
    assert.equal((await shown(duty)).length, 1);
  });

  await t.test('at 1366x768 the map stays above the fold under the banner; axe finds nothing serious', async () => {
    await duty.locator('#map canvas').waitFor({ timeout: UI_TIMEOUT_MS });
    // Let MapLibre follow the resized container.
    await duty.waitForTimeout(500);
    const layout = await duty.evaluate(() => {
      const map = document.querySelector('#map').getBoundingClientRect();
      const banner = document.querySelector('#attention').getBoundingClientRect();
      const main = document.querySelector('main');
      return {
        bannerBottom: banner.bottom, bannerHeight: banner.height, mapTop: map.top, mapBottom: map.bottom, mapHeight: map.height,
        innerHeight: window.innerHeight, mainScrolls: main.scrollHeight > main.clientHeight + 1,
        pageScrolls: document.documentElement.scrollHeight > window.innerHeight + 1,
      };
    });
    assert.ok(layout.bannerHeight > 0 && layout.bannerHeight <= 90, `the banner is one compact row (${layout.bannerHeight} px)`);
    assert.ok(layout.mapTop >= layout.bannerBottom, JSON.stringify(layout));
    assert.ok(layout.mapBottom <= layout.innerHeight, `the map ends above the fold: ${JSON.stringify(layout)}`);
    assert.ok(layout.mapHeight >= 400, `the map keeps its height: ${JSON.stringify(layout)}`);
    assert.equal(layout.mainScrolls, false, 'the map screen does not scroll');
    assert.equal(layout.pageScrolls, false, 'the page does not scroll');
    await duty.screenshot({ path: path.join(SHOTS, 'attention-map-1366.png') });
    assert.deepEqual(await axeSerious(duty), [], 'axe with the banner shown');
  });

  await t.test('keyboard: mute, then acknowledge', async () => {
    await duty.locator('#attention-latest').focus();
    // The notification button is hidden (permission granted): next come mute and acknowledge.
    await duty.keyboard.press('Tab');
    assert.equal(await duty.evaluate(() => document.activeElement.id), 'attention-mute');
    await duty.keyboard.press('Space');
    assert.equal(await duty.locator('#attention-mute').getAttribute('aria-pressed'), 'true');
    assert.equal(await duty.evaluate(() => localStorage.getItem('forewarn.mute')), '1');
    await duty.keyboard.press('Tab');
    assert.equal(await duty.evaluate(() => document.activeElement.id), 'attention-ack');
    await duty.keyboard.press('Enter');
    await duty.locator('#attention').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    assert.equal(await duty.evaluate(() => document.activeElement.id), 'main', 'focus goes on to the screen');
  });

  await t.test('a draft submitted by pk.duty alarms pk.approver, counted with the incident', async () => {
    const draft = await dutyApi.post('/api/alerts', { incident_id: incident.id });
    await waitForLatest(approver, 'Draft alert awaiting approval');
    await approver.locator('#attention-count', { hasText: '2 new events' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await approver.locator('#attention-latest').getAttribute('href'), '#/approvals');
    await approver.waitForFunction(() => window.__shown.length >= 2, null, { timeout: UI_TIMEOUT_MS });
    const notes = await shown(approver);
    assert.deepEqual(notes.map((n) => n.title.split(':')[0]), ['New incident', 'Draft alert awaiting approval']);
    assert.ok(notes[1].body.startsWith('2 new events · '), notes[1].body);
    assert.ok(notes.every((n) => n.tag === 'forewarn-attention'), 'one tag: notifications replace each other');
    // The list opens on request and is announced as expanded.
    await approver.locator('#attention-more').click();
    assert.equal(await approver.locator('#attention-more').getAttribute('aria-expanded'), 'true');
    assert.equal(await approver.locator('#attention-list li').count(), 2);
    assert.deepEqual(await axeSerious(approver), [], 'axe with two events listed');
    await approver.screenshot({ path: path.join(SHOTS, 'attention-approver.png') });
    // Neither the drafter nor a duty officer who cannot approve is alarmed by the draft.
    await duty.waitForTimeout(1000);
    assert.equal(await duty.locator('#attention').isHidden(), true, 'pk.duty');
    assert.equal(await colleague.locator('#attention').isHidden(), true, 'pk.duty2');
    // The link leads to the draft in the queue.
    await approver.locator('#attention-latest').click();
    await approver.locator(`#queue-drafts [data-alert-id="${draft.id}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  await t.test('an offer from kz.duty reaches pk.duty (muted) and the colleague (no notifications)', async () => {
    await duty.locator('#nav-board').click();
    await duty.locator('#request-title').fill('E2E urban search and rescue teams');
    await duty.locator('#request-quantity').fill('2');
    await duty.locator('#request-submit').click();
    const reqCard = duty.locator('#board-requests article', { hasText: 'E2E urban search and rescue teams' });
    await reqCard.waitFor({ timeout: UI_TIMEOUT_MS });
    const requestId = Number(await reqCard.getAttribute('data-request-id'));
    const tonesBefore = (await tones(duty)).started;
    await kzApi.post(`/api/requests/${requestId}/offers`, { quantity: 1, description: 'One heavy USAR team', eta_hours: 18 });
    await waitForLatest(duty, 'Offer of help from Kazakhstan');
    assert.equal(await duty.locator('#attention-latest').getAttribute('href'), '#/board');
    await duty.waitForFunction(() => window.__shown.length >= 2, null, { timeout: UI_TIMEOUT_MS });
    assert.equal((await shown(duty)).at(-1).title, 'Offer of help from Kazakhstan');
    assert.equal((await tones(duty)).started, tonesBefore, 'muted: no tone');
    // The colleague: banner and tone, no notification, and a button to allow them.
    await waitForLatest(colleague, 'Offer of help from Kazakhstan');
    await colleague.waitForFunction(() => window.__tones.started > 0, null, { timeout: UI_TIMEOUT_MS });
    assert.deepEqual(await shown(colleague), []);
    assert.equal(await colleague.locator('#attention-notify').isVisible(), true);
    assert.deepEqual(await axeSerious(colleague), [], 'axe with the notification button');
    // In Russian.
    await colleague.locator('#lang-select').selectOption('ru');
    await waitForLatest(colleague, 'Предложение помощи: Казахстан');
    await colleague.locator('#attention-ack', { hasText: 'Принято' }).waitFor({ timeout: UI_TIMEOUT_MS });
    // kg.duty was alarmed by none of it.
    assert.equal(await kg.locator('#attention').isHidden(), true);
    assert.deepEqual(await shown(kg), []);
  });

  await t.test('no request left 127.0.0.1 and no script errors', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(pageErrors, []);
  });
});

test('an automatic incident from the watch alarms Pakistan, and its draft the approver', { timeout: 10 * 60_000 }, async (t) => {
  const duty = await openUi('pk.duty');
  const approver = await openUi('pk.approver');
  const kg = await openUi('kg.duty');
  const api = await apiLogin(server.base, 'pk.duty');

  await t.test('the event becomes an automatic incident and alarms pk.duty and pk.approver', async () => {
    const file = path.join(dropDir, 'quakeml', 'e2e-gilgit.xml');
    const xml = quakeml({ id: 'e2e2026gilgit', time: new Date().toISOString(), lat: 35.92, lon: 74.31, depth_m: 15000, mag: 6.8, region: 'Gilgit' });
    // Written whole, then renamed, so the watch never reads half a file.
    fs.writeFileSync(`${file}.part`, xml);
    fs.renameSync(`${file}.part`, file);
    // pk.duty's latest event stays the incident. The approver's latest becomes the watch's draft as
    // soon as the run ends (within a second on a fast machine), so its notifications are read instead.
    await Promise.all([
      waitForLatest(duty, 'New automatic incident: '),
      approver.waitForFunction(
        () => window.__shown.some((n) => n.title.startsWith('New automatic incident: ')),
        null,
        { timeout: UI_TIMEOUT_MS },
      ),
    ]);
    const incidents = (await api.get('/api/incidents')).items.filter((i) => i.origin === 'auto');
    assert.equal(incidents.length, 1, JSON.stringify(incidents.map((i) => i.title)));
    assert.ok(incidents[0].source_event_ids.length > 0);
    const text = await duty.locator('#attention-latest').innerText();
    assert.ok(text.startsWith(`New automatic incident: ${incidents[0].title}`), text);
    await duty.waitForFunction(() => window.__shown.length === 1 && window.__tones.started > 0, null, { timeout: UI_TIMEOUT_MS });
  });

  await t.test('the draft the watch wrote alarms the approver only', async () => {
    await waitForLatest(approver, 'Draft alert awaiting approval');
    await approver.locator('#attention-count', { hasText: '2 new events' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const drafts = (await api.get('/api/alerts?status=draft')).items;
    assert.ok(drafts.some((a) => a.drafted_by === 'watch'), 'the watch drafted it');
    assert.equal((await shown(approver)).at(-1).title.split(':')[0], 'Draft alert awaiting approval');
    // pk.duty is no approver: still one event.
    assert.equal(await duty.locator('#attention').getAttribute('data-count'), '1');
    assert.equal(await kg.locator('#attention').isHidden(), true);
    assert.deepEqual(await shown(kg), []);
  });

  await t.test('no request left 127.0.0.1 and no script errors (watch)', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(pageErrors, []);
  });
});
