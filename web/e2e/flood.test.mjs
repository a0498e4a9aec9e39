// A flood incident's page in Debian's Chromium (playwright-core) against a real `forewarn serve
// --demo --watch` on a fresh SQLite database: a lake gauge served from 127.0.0.1 crosses its
// level, the watch starts the Lake Sarez outburst run for Tajikistan, and its duty officer
// opens the incident's page from the incident list: the three life-loss numbers (without a
// warning, with it, lives saved) as summary.json has them, the settlements in the order the
// water reaches them, the flooded area on a map and as a download, in English and in Urdu
// (right to left). See README.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, apiLogin, guardedContext, SHOTS, uiLogin } from './harness.mjs';

const UI_TIMEOUT_MS = 30_000;
/** How long the watch may take to poll the gauge and finish the flood run. */
const RUN_TIMEOUT_MS = 180_000;
const VIEWPORT = { width: 1366, height: 768 };
/** The gauge's readings: the second crosses the 3.9 m threshold. */
const LAKE_CSV = 'time,value\n2025-06-01T01:00:00Z,3.10\n2025-06-01T03:00:00Z,4.05\n';

let server;
let browser;
let gauge;
let dir;
const foreign = [];
const pageErrors = [];

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  gauge = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/csv' });
    res.end(LAKE_CSV);
  });
  await new Promise((resolve) => gauge.listen(0, '127.0.0.1', resolve));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forewarn-flood-'));
  const toml = path.join(dir, 'watch.toml');
  fs.writeFileSync(toml, `[[source]]\nname = "sarez-lake"\nkind = "gauge-csv"\nurl = "http://127.0.0.1:${gauge.address().port}/lake"\npoll_s = 1\nlevel_threshold = 3.9\nalarm_orgs = ["tj"]\nflood_scenario = "sarez-outburst.toml"\n`);
  server = await startServer('forewarn-flood-', ['--watch', toml]);
  browser = await launchBrowser();
});

after(async () => {
  if (server && server.exitStatus()) console.error(`the server exited (${server.exitStatus()}):\n${server.log()}`);
  if (browser) await browser.close();
  if (server) await server.stop();
  if (gauge) await new Promise((resolve) => gauge.close(resolve));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A modelled toll as the page writes it in English and Urdu: two significant figures,
 * grouped (5,964 -> 6,000; below 10 to the unit). */
const grouped = (v) => (Math.abs(v) < 10 ? Math.round(v) : Number(v.toPrecision(2))).toLocaleString('en-US');

test('a flood incident\'s page: life loss with and without a warning, settlements, map', { timeout: 6 * 60_000 }, async (t) => {
  const api = await apiLogin(server.base, 'tj.duty');
  let incident;
  const end = Date.now() + RUN_TIMEOUT_MS;
  while (!incident) {
    incident = ((await api.get('/api/incidents')).items || []).find((i) => i.hazard === 'flood' && i.status === 'complete');
    if (!incident) {
      assert.ok(Date.now() < end, `no completed flood incident after ${RUN_TIMEOUT_MS} ms:\n${server.log()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const { summary } = await api.get(`/api/incidents/${incident.id}`);
  const ctx = await guardedContext(browser, server.base, 'tj.duty', { viewport: VIEWPORT, foreign, pageErrors });
  const page = await ctx.newPage();

  await t.test('the incident list opens the flood\'s page', async () => {
    await uiLogin(page, server.base, 'tj.duty', '#/incidents', UI_TIMEOUT_MS);
    await page.locator(`a.incident-page-link[href="#/incident/${incident.id}"]`).click();
    await page.locator('#incident-report').waitFor({ timeout: UI_TIMEOUT_MS });
  });

  const report = page.frameLocator('#incident-report');

  await t.test('the three life-loss numbers are summary.json\'s, with the lead time', async () => {
    const ll = summary.life_loss;
    await report.locator('#rpt-lives-saved').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await report.locator('#rpt-deaths-without-warning').textContent(), grouped(ll.without_warning));
    assert.equal(await report.locator('#rpt-deaths-with-warning').textContent(), grouped(ll.with_warning));
    assert.equal(await report.locator('#rpt-lives-saved').textContent(), grouped(ll.lives_saved));
    assert.equal(await report.locator('#rpt-lead-time').textContent(), ll.lead_time_h.toFixed(1));
    assert.match(await report.locator('#rpt-cross-check').textContent(), /Graham 1999/);
    assert.match(await report.locator('#rpt-rounded').textContent(), /two significant figures/);
    // The model's caution about the coarse valley comes first.
    assert.match(await report.locator('.rpt-warn').first().textContent(), /narrower than a cell/);
  });

  await t.test('the settlements come in the order the water reaches them, the area on a map', async () => {
    const rows = await report.locator('#rpt-flood-settlements tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.ok(rows.length > 0);
    const early = rows.map((r) => Number(r[5].split(' / ')[0]));
    assert.deepEqual(early, [...early].sort((a, b) => a - b), JSON.stringify(rows));
    assert.ok(rows.some((r) => r[0] === 'Rŭshon'), JSON.stringify(rows));
    assert.equal(await report.locator('svg.rpt-map path[fill="#3182BD"]').count(), 1);
    // Nothing to compare with; the data to save is the flooded area and the settlements.
    assert.equal(await page.locator('#incident-compare').count(), 0);
    assert.match(await page.locator('#incident-footprint-geojson').getAttribute('href'), /\/layers\/flood_extent$/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#incident-footprint-geojson').click()]);
    const area = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    assert.equal(area.features[0].geometry.type, 'MultiPolygon');
    await page.screenshot({ path: path.join(SHOTS, 'flood-incident-en.png'), fullPage: true });
  });

  await t.test('in Urdu the page reads right to left and nothing scrolls sideways', async () => {
    await page.locator('#lang-select').selectOption('ur');
    await report.locator('html[dir="rtl"] #rpt-lives-saved').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await report.locator('#rpt-lives-saved').textContent(), grouped(summary.life_loss.lives_saved));
    const sideways = await page.evaluate(() => {
      const frame = document.querySelector('#incident-report').contentDocument.documentElement;
      const main = document.querySelector('main');
      return { frame: frame.scrollWidth - frame.clientWidth, main: main.scrollWidth - main.clientWidth };
    });
    assert.ok(sideways.frame <= 1 && sideways.main <= 1, JSON.stringify(sideways));
    await page.screenshot({ path: path.join(SHOTS, 'flood-incident-ur.png'), fullPage: true });
    await page.locator('#lang-select').selectOption('en');
  });

  await t.test('no request left 127.0.0.1 and no script errors', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(pageErrors, []);
  });
});
