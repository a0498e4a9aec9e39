// The watch screen (#/watch) in Debian's Chromium (playwright-core) against a real `forewarn
// serve --demo --watch` on a fresh SQLite database with one QuakeML drop-directory source: every
// user reads the sources' health; the organisation's admin edits its watch rules (the area
// previewed on the map, errors at their field) while a duty officer reads them; a click on the
// map asks whether an earthquake there would alarm the organisation; the regional centre's admin
// pauses and resumes the source, reads a member's rules under the member's name, and adds a
// source polling a local USGS feed (a bad poll interval refused at its field first). See
// README.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, apiLogin, guardedContext, PASSWORD, REPO, SHOTS, uiLogin } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const DOC_IMG = path.join(REPO, 'docs', 'img');
const UI_TIMEOUT_MS = 30_000;
const VIEWPORT = { width: 1366, height: 768 };
/** Gilgit, inside Pakistan. */
const GILGIT = { lat: 35.92, lon: 74.31 };
/** South of Moscow: far outside Pakistan's area. */
const FAR = { lat: 55, lon: 40 };
/** What the local USGS feed serves: a summary with no earthquakes. */
const EMPTY_USGS = JSON.stringify({ type: 'FeatureCollection', metadata: { generated: 0, count: 0 }, features: [] });
/** What the rules say of the organisation to its own people, by language: never to the regional centre. */
const OWN_WORDS = {
  en: /your organisation|my country|alarm us\b|your administrator/i,
  ru: /вашей организации|моя страна|у нас\?/i,
  zh: /贵机构|本国|本机构|我们/,
  ur: /آپ کے ادارے|میرا ملک|ہمیں|آپ کے منتظم/,
};

let server;
let browser;
let dropDir;
/** A USGS GeoJSON feed on 127.0.0.1 that the server (not the browser) polls; its requests. */
let feed;
let feedUrl;
let feedHits = 0;
const foreign = [];
const pageErrors = [];

/** A browser context for `username` at 1366x768, logged in through the form on the watch screen. */
async function openUi(username) {
  const ctx = await guardedContext(browser, server.base, username, { viewport: VIEWPORT, foreign, pageErrors });
  const page = await ctx.newPage();
  await uiLogin(page, server.base, username, '#/watch', UI_TIMEOUT_MS);
  await page.locator('#watch-source-rows tr[data-source="e2e-drop"]').waitFor({ timeout: UI_TIMEOUT_MS });
  return page;
}

/** Waits until the rules' map has drawn the area for `buffer_km`. */
async function waitForArea(page, buffer_km) {
  await page.locator(`#watch-map[data-area="ready"][data-buffer-km="${buffer_km}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
}

/** Scrolls the screen so that the rules panel starts at the top. */
async function showRules(page) {
  await page.evaluate(() => {
    const main = document.querySelector('main');
    main.scrollTop += document.querySelector('#watch-rules').getBoundingClientRect().top - main.getBoundingClientRect().top;
  });
}

/** Clicks the rules' map at (lat, lon), moving the map there first when asked. */
async function clickMap(page, { lat, lon }, { centre = false } = {}) {
  const at = await page.evaluate(({ lat, lon, centre }) => {
    const m = window.forewarnWatchMap;
    if (centre) m.jumpTo({ center: [lon, lat], zoom: 4 });
    const box = m.getContainer().getBoundingClientRect();
    const p = m.project([lon, lat]);
    return { x: box.left + p.x, y: box.top + p.y };
  }, { lat, lon, centre });
  await page.mouse.click(at.x, at.y);
  await page.locator('#watch-check-popup').waitFor({ timeout: UI_TIMEOUT_MS });
}

/** Asks the open popup (or the coordinates form, `prefix` watch-point) and returns the answer. */
async function ask(page, prefix = 'watch-check') {
  await page.locator(`#${prefix}-run`).click();
  const answer = page.locator(`#${prefix}-answer[data-passes="true"], #${prefix}-answer[data-passes="false"]`);
  await answer.waitFor({ timeout: UI_TIMEOUT_MS });
  return { passes: (await answer.getAttribute('data-passes')) === 'true', text: await answer.innerText() };
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

/** A watch configuration: QuakeML files in `dir`, read every second, and a source that fails. */
function watchToml(dir) {
  return `[[source]]\nname = "e2e-drop"\nkind = "quakeml"\nurl = "file://${dir}/"\npoll_s = 1\nagency = "pk"\n`
    // A second source whose directory does not exist: it fails.
    + `[[source]]\nname = "e2e-missing"\nkind = "quakeml"\nurl = "file://${dir}-missing/"\npoll_s = 1\nagency = "pk"\n`;
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.mkdirSync(DOC_IMG, { recursive: true });
  dropDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forewarn-watch-drop-'));
  const toml = path.join(dropDir, 'watch.toml');
  fs.mkdirSync(path.join(dropDir, 'quakeml'));
  fs.writeFileSync(toml, watchToml(path.join(dropDir, 'quakeml')));
  server = await startServer('forewarn-watch-', ['--watch', toml]);
  feed = http.createServer((req, res) => {
    feedHits += 1;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(EMPTY_USGS);
  });
  await new Promise((resolve) => feed.listen(0, '127.0.0.1', resolve));
  feedUrl = `http://127.0.0.1:${feed.address().port}/summary/4.5_day.geojson`;
  browser = await launchBrowser();
});

after(async () => {
  if (server && server.exitStatus()) console.error(`the server exited (${server.exitStatus()}):\n${server.log()}`);
  if (browser) await browser.close();
  if (server) await server.stop();
  if (feed) await new Promise((resolve) => feed.close(resolve));
  if (dropDir) fs.rmSync(dropDir, { recursive: true, force: true });
});

test('the watch screen: sources, the organisation\'s rules, would this alarm us', { timeout: 5 * 60_000 }, async (t) => {
  // Pakistan's administrator, made by the regional admin.
  const rc = await apiLogin(server.base, 'rc.coordinator');
  await rc.post('/api/users', { username: 'pk.admin', display_name: 'Pakistan administrator', org: 'pk', roles: ['admin'], password: PASSWORD });
  const adminApi = await apiLogin(server.base, 'pk.admin');

  const duty = await openUi('pk.duty');
  const admin = await openUi('pk.admin');

  await t.test('pk.duty reads the source\'s health and the rules, read-only', async () => {
    const row = duty.locator('#watch-source-rows tr[data-source="e2e-drop"]');
    const status = await row.getAttribute('data-status');
    assert.ok(['ok', 'pending'].includes(status), status);
    // The status is a word, not a colour alone.
    const pill = row.locator('.status');
    assert.equal(await pill.getAttribute('data-status'), status);
    assert.match(await pill.innerText(), /^(OK|Pending)$/);
    assert.match(await row.innerText(), /quakeml/);
    assert.match(await row.innerText(), /0 rejected/);
    assert.equal(await duty.locator('#watch-sources caption').count(), 1);
    // The source without its directory: failing, with its error and when.
    const failing = duty.locator('#watch-source-rows tr[data-source="e2e-missing"][data-status="failing"]');
    await failing.waitFor({ timeout: 15_000 });
    assert.equal(await failing.locator('.status').innerText(), 'Failing');
    assert.match(await failing.locator('.watch-error-text').innerText(), /\S/);
    assert.match(await failing.innerText(), /Consecutive failures: \d+/);
    assert.equal(await duty.locator('button[data-action="pause"], button[data-action="resume"]').count(), 0, 'no Pause for a duty officer');
    assert.equal(await duty.locator('#watch-add-form').count(), 0, 'no Add a source for a duty officer');
    assert.match(await duty.locator('#watch-sources-who').innerText(), /add, pause or resume/);
    // The rules: the demo defaults, read-only.
    await duty.locator('#watch-rules-origin[data-origin="demo"]', { hasText: 'Demo defaults' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await waitForArea(duty, 100);
    assert.match(await duty.locator('#watch-rules-who').innerText(), /Only an administrator of .* can change these rules/);
    assert.equal(await duty.locator('#watch-save').count(), 0, 'no Save');
    assert.equal(await duty.locator('#watch-step-add').count(), 0);
    for (const id of ['#watch-enabled', '#watch-buffer', '#watch-step-0-depth', '#watch-step-0-mag', '#watch-step-1-mag', '#watch-draft-from']) {
      assert.equal(await duty.locator(id).isDisabled(), true, `${id} disabled`);
    }
    assert.equal(await duty.locator('#watch-buffer').inputValue(), '100');
    assert.equal(await duty.locator('#watch-step-0-depth').inputValue(), '70');
    assert.equal(await duty.locator('#watch-step-0-mag').inputValue(), '5.0');
    assert.match(await duty.locator('#watch-step-rows tr:last-child').innerText(), /any depth/);
    assert.equal(await duty.locator('#watch-draft-from').inputValue(), 'green');
    // The map draws the country and the area around it.
    const parts = await duty.evaluate(() => window.forewarnWatchMap.querySourceFeatures('watch-area').map((f) => f.properties.part));
    assert.ok(parts.includes('area') && parts.includes('country'), JSON.stringify([...new Set(parts)]));
    await showRules(duty);
    await duty.screenshot({ path: path.join(SHOTS, 'watch-readonly.png') });
    await duty.screenshot({ path: path.join(DOC_IMG, 'watch-readonly.png') });
  });

  await t.test('the pk admin changes the area, a magnitude and the draft level', async () => {
    await admin.locator('#watch-rules-origin[data-origin="demo"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await waitForArea(admin, 100);
    // An organisation's own admin reads "your organisation" and adds no source.
    assert.match(await admin.locator('#watch-rules-intro').innerText(), /alarm your organisation/);
    assert.equal(await admin.locator('label[for="watch-buffer"]').innerText(), 'Area: my country plus');
    assert.equal(await admin.locator('#watch-add-form').count(), 0, 'no Add a source for a member\'s admin');
    assert.equal(await admin.locator('#watch-buffer').isDisabled(), false);
    // The area is drawn anew as the buffer is typed.
    await admin.locator('#watch-buffer').fill('150');
    await waitForArea(admin, 150);
    // A step is added before the last (any depth) one, and removed again.
    await admin.locator('#watch-step-add').click();
    assert.equal(await admin.locator('#watch-step-rows tr').count(), 3);
    assert.equal(await admin.locator('#watch-step-1-depth').inputValue(), '140');
    assert.equal(await admin.evaluate(() => document.activeElement.id), 'watch-step-1-depth');
    await admin.locator('#watch-step-1-remove').click();
    assert.equal(await admin.locator('#watch-step-rows tr').count(), 2);
    await admin.locator('#watch-step-1-mag').fill('6.5');
    // Only the drop directory trusted (none ticked: all).
    assert.equal(await admin.locator('#watch-trusted input[type="checkbox"]:checked').count(), 0);
    await admin.locator('label', { hasText: 'e2e-drop' }).click();
    await admin.locator('#watch-draft-from').selectOption('yellow');
    await admin.locator('#watch-save').click();
    await admin.locator('#toast', { hasText: 'Watch rules saved.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const stored = await adminApi.get('/api/orgs/pk/watch-rules');
    assert.equal(stored.origin, 'stored');
    assert.equal(stored.buffer_km, 150);
    assert.deepEqual(stored.magnitude_steps.map((s) => [s.max_depth_km, s.min_mag]), [[70, 5], [null, 6.5]]);
    assert.equal(stored.draft_from, 'yellow');
    assert.deepEqual(stored.trusted_sources, ['e2e-drop']);
    assert.equal(stored.changed_by, 'pk.admin');
    // After a reload the stored values and who changed them.
    await admin.reload();
    await waitForArea(admin, 150);
    await admin.locator('#watch-rules-who', { hasText: 'Last changed by pk.admin' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await admin.locator('#watch-rules-origin').isHidden(), true, 'no demo note once stored');
    assert.equal(await admin.locator('#watch-buffer').inputValue(), '150');
    assert.equal(await admin.locator('#watch-step-1-mag').inputValue(), '6.5');
    assert.equal(await admin.locator('#watch-draft-from').inputValue(), 'yellow');
    assert.equal(await admin.locator('#watch-trusted input[value="e2e-drop"]').isChecked(), true);
    // The duty officer reads who changed them.
    await duty.reload();
    await duty.locator('#watch-rules-who', { hasText: 'Last changed by pk.admin' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await waitForArea(duty, 150);
  });

  await t.test('an invalid buffer is shown at its field', async () => {
    await admin.locator('#watch-buffer').fill('9999');
    await admin.locator('#watch-save').click();
    await admin.locator('#watch-buffer[aria-invalid="true"]').waitFor({ timeout: UI_TIMEOUT_MS });
    const error = admin.locator('#watch-buffer-error');
    await error.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.ok((await error.innerText()).trim().length > 0, 'a message at the field');
    assert.equal(await admin.evaluate(() => document.activeElement.id), 'watch-buffer', 'focus on the field');
    assert.match(await admin.locator('#watch-buffer').getAttribute('aria-describedby'), /watch-buffer-error/);
    // Nothing was stored.
    assert.equal((await adminApi.get('/api/orgs/pk/watch-rules')).buffer_km, 150);
    await admin.locator('#watch-buffer').fill('150');
    await waitForArea(admin, 150);
    await admin.locator('#watch-buffer[aria-invalid="false"]').waitFor({ timeout: UI_TIMEOUT_MS });
  });

  await t.test('a click on the map asks whether an earthquake there would alarm Pakistan', async () => {
    await showRules(admin);
    await clickMap(admin, GILGIT);
    assert.equal(await admin.locator('#watch-check-mag').inputValue(), '6.0');
    assert.equal(await admin.locator('#watch-check-depth').inputValue(), '15');
    const yes = await ask(admin);
    assert.equal(yes.passes, true, yes.text);
    assert.match(yes.text, /^Yes: inside the area, M 6\.0 ≥ 5\.0 at this depth/);
    await admin.screenshot({ path: path.join(SHOTS, 'watch-rules.png') });
    await admin.screenshot({ path: path.join(DOC_IMG, 'watch-rules.png') });
    assert.deepEqual(await axeSerious(admin), [], 'axe on the rules with the answer shown');
    // Far away in Russia.
    await clickMap(admin, FAR, { centre: true });
    const no = await ask(admin);
    assert.equal(no.passes, false, no.text);
    assert.match(no.text, /^No: [\d,.]+ km from the country/);
    // By coordinates, from the keyboard: too weak at Gilgit.
    await admin.locator('#watch-point-check summary').click();
    await admin.locator('#watch-point-lat').fill(String(GILGIT.lat));
    await admin.locator('#watch-point-lon').fill(String(GILGIT.lon));
    await admin.locator('#watch-point-mag').fill('4.8');
    const weak = await ask(admin, 'watch-point');
    assert.equal(weak.passes, false, weak.text);
    assert.match(weak.text, /^No: M 4\.8 is below 5\.0 at this depth/);
  });

  await t.test('the regional admin pauses and resumes the source', async () => {
    const rcPage = await openUi('rc.coordinator');
    const row = rcPage.locator('#watch-source-rows tr[data-source="e2e-drop"]');
    await rcPage.locator('#watch-rules-nocountry', { hasText: 'no country of its own' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await row.locator('button[data-action="pause"]').click();
    await rcPage.locator('#watch-source-rows tr[data-source="e2e-drop"][data-status="paused"]').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await row.locator('.status').innerText(), 'Paused');
    await rcPage.locator('#toast', { hasText: 'Source e2e-drop paused.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await rcPage.evaluate(() => document.activeElement.dataset.action), 'resume', 'the keyboard stays on the row');
    assert.equal((await rc.get('/api/watch/sources')).items[0].paused, true);
    // pk.duty's screen follows within its 10-second refresh.
    await duty.locator('#watch-source-rows tr[data-source="e2e-drop"][data-status="paused"]').waitFor({ timeout: 15_000 });
    await row.locator('button[data-action="resume"]').click();
    await rcPage.locator('#watch-source-rows tr[data-source="e2e-drop"]:not([data-status="paused"]) button[data-action="pause"]').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal((await rc.get('/api/watch/sources')).items[0].paused, false);
    await rcPage.locator('#watch-source-rows tr[data-source="e2e-drop"][data-status="ok"]').waitFor({ timeout: 15_000 });
    // The regional centre reads each member's rules, read-only.
    await rcPage.locator('#watch-rules-org').selectOption('kz');
    await rcPage.locator('#watch-rules-h', { hasText: 'Kazakhstan' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await waitForArea(rcPage, 100);
    assert.equal(await rcPage.locator('#watch-rules-origin').getAttribute('data-origin'), 'demo');
    assert.equal(await rcPage.locator('#watch-save').count(), 0);
    assert.equal(await rcPage.locator('#watch-buffer').isDisabled(), true);
    await rcPage.context().close();
  });

  await t.test('the regional centre reads a member\'s rules under the member\'s name, in every language', async () => {
    const rcPage = await openUi('rc.coordinator');
    const kz = (await rc.get('/api/orgs')).items.find((o) => o.code === 'kz');
    for (const lang of ['en', 'ru', 'zh', 'ur']) {
      await rcPage.locator('#lang-select').selectOption(lang);
      await rcPage.waitForFunction((l) => document.documentElement.lang === l, lang);
      await rcPage.locator('#watch-rules-org').selectOption('kz');
      await waitForArea(rcPage, 100);
      const texts = await rcPage.evaluate(() => ({
        intro: document.querySelector('main > p').textContent,
        rules: document.querySelector('#watch-rules-intro').textContent,
        demo: document.querySelector('#watch-rules-origin').textContent,
        buffer: document.querySelector('label[for="watch-buffer"]').textContent,
        hint: document.querySelector('#watch-map-hint').textContent,
        run: document.querySelector('#watch-point-run').textContent,
        country: new Intl.DisplayNames([document.documentElement.lang], { type: 'region' }).of('KZ'),
      }));
      for (const [k, v] of Object.entries(texts)) {
        if (k !== 'country') assert.doesNotMatch(v, OWN_WORDS[lang], `${lang} ${k}: ${v}`);
      }
      // The member's name in the UI language where it gave one (the demo names each in all four).
      const name = (kz.names && kz.names[lang]) || kz.name;
      for (const k of ['rules', 'demo', 'hint', 'run']) assert.ok(texts[k].includes(name), `${lang} ${k} names ${name}: ${texts[k]}`);
      assert.ok(texts.buffer.includes(texts.country), `${lang}: ${texts.buffer} names ${texts.country}`);
    }
    await rcPage.locator('#lang-select').selectOption('en');
    await rcPage.waitForFunction(() => document.documentElement.lang === 'en');
    await rcPage.locator('#watch-rules-org').selectOption('kz');
    await rcPage.locator('label[for="watch-buffer"]', { hasText: 'Area: Kazakhstan plus' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await rcPage.locator('#watch-point-run').textContent(), `Would this alarm ${kz.name}?`);
    await rcPage.context().close();
  });

  await t.test('the regional admin adds a source: a bad poll interval at its field, then polled and marked', async () => {
    const rcPage = await openUi('rc.coordinator');
    const form = rcPage.locator('#watch-add-form');
    await form.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await rcPage.locator('#watch-add-poll-s').inputValue(), '60', 'a minute by default');
    // The gauge fields only for a gauge kind.
    assert.equal(await rcPage.locator('#watch-add-gauge').isHidden(), true);
    await rcPage.locator('#watch-add-kind').selectOption('gauge-csv');
    assert.equal(await rcPage.locator('#watch-add-gauge').isVisible(), true);
    assert.equal(await rcPage.locator('#watch-add-alarm-level').inputValue(), 'orange');
    await rcPage.locator('#watch-add-kind').selectOption('usgs-geojson');
    assert.equal(await rcPage.locator('#watch-add-gauge').isHidden(), true);
    // The file's sources carry no marker.
    assert.equal(await rcPage.locator('#watch-source-rows .watch-added').count(), 0);

    await rcPage.locator('#watch-add-name').fill('e2e-usgs');
    await rcPage.locator('#watch-add-url').fill(feedUrl);
    await rcPage.locator('#watch-add-poll-s').fill('0');
    await rcPage.locator('#watch-add-submit').click();
    const poll = rcPage.locator('#watch-add-poll-s[aria-invalid="true"]');
    await poll.waitFor({ timeout: UI_TIMEOUT_MS });
    const pollError = rcPage.locator('#watch-add-poll-s-error');
    assert.match(await pollError.innerText(), /0 is not within 1 to 86400/);
    assert.equal(await rcPage.evaluate(() => document.activeElement.id), 'watch-add-poll-s', 'focus on the field');
    assert.match(await poll.getAttribute('aria-describedby'), /watch-add-poll-s-error/);
    assert.equal(await rcPage.locator('#watch-add-error').isHidden(), true, 'nothing at the top');
    assert.equal((await rc.get('/api/watch/sources')).items.some((s) => s.name === 'e2e-usgs'), false, 'nothing added');
    await rcPage.evaluate(() => document.querySelector('#watch-add-source').scrollIntoView({ block: 'end' }));
    assert.deepEqual(await axeSerious(rcPage), [], 'axe with the form and its error shown');

    await rcPage.locator('#watch-add-poll-s').fill('2');
    await rcPage.locator('#watch-add-agency').fill('us');
    await rcPage.locator('#watch-add-submit').click();
    await rcPage.locator('#toast', { hasText: 'Source e2e-usgs added' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const row = rcPage.locator('#watch-source-rows tr[data-source="e2e-usgs"]');
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await row.locator('.watch-added').innerText(), 'added here');
    assert.match(await row.innerText(), /usgs-geojson · US/);
    // The form is cleared for the next one, its error gone.
    assert.equal(await rcPage.locator('#watch-add-name').inputValue(), '');
    assert.equal(await rcPage.locator('#watch-add-url').inputValue(), '');
    assert.equal(await rcPage.locator('#watch-add-poll-s').inputValue(), '60');
    assert.equal(await rcPage.locator('#watch-add-poll-s').getAttribute('aria-invalid'), 'false');
    assert.equal(await pollError.isHidden(), true);
    // Pending, then OK once the server has polled the local feed.
    await rcPage.locator('#watch-source-rows tr[data-source="e2e-usgs"][data-status="ok"]').waitFor({ timeout: 15_000 });
    assert.ok(feedHits > 0, 'the server polled the feed');
    const added = (await rc.get('/api/watch/sources')).items.find((s) => s.name === 'e2e-usgs');
    assert.equal(added.added_through_api, true);
    assert.equal(added.kind, 'usgs-geojson');
    assert.equal(added.url, feedUrl);
    assert.equal(added.poll_s, 2);
    assert.equal(added.agency, 'us');
    // Screenshot: the added source in the table, and the form filled in for a river gauge (not sent).
    await rcPage.locator('#watch-add-name').fill('vakhsh-gauge');
    await rcPage.locator('#watch-add-kind').selectOption('gauge-csv');
    await rcPage.locator('#watch-add-url').fill('https://hydromet.example.tj/gauges/vakhsh.csv');
    await rcPage.locator('#watch-add-poll-s').fill('300');
    await rcPage.locator('#watch-add-level-threshold').fill('4.2');
    await rcPage.locator('#watch-add-alarm-org-tj').check();
    await rcPage.locator('#watch-add-level-threshold').blur();
    await rcPage.locator('#toast > *').first().waitFor({ state: 'detached', timeout: 10_000 });
    await rcPage.evaluate(() => {
      const main = document.querySelector('main');
      main.scrollTop += document.querySelector('#watch-source-rows tr[data-source="e2e-usgs"]').getBoundingClientRect().top - main.getBoundingClientRect().top - 8;
    });
    await rcPage.mouse.move(0, 0);
    await rcPage.screenshot({ path: path.join(SHOTS, 'watch-add-source.png') });
    await rcPage.screenshot({ path: path.join(DOC_IMG, 'watch-add-source.png') });
    // The same name again is refused at the name.
    await rcPage.locator('#watch-add-kind').selectOption('usgs-geojson');
    await rcPage.locator('#watch-add-name').fill('e2e-usgs');
    await rcPage.locator('#watch-add-url').fill(feedUrl);
    await rcPage.locator('#watch-add-submit').click();
    await rcPage.locator('#watch-add-name[aria-invalid="true"]').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await rcPage.locator('#watch-add-name-error').innerText(), /already watched/);
    // Without a name: the server's "name is required", at the name.
    await rcPage.locator('#watch-add-name').fill('');
    await rcPage.locator('#watch-add-submit').click();
    await rcPage.locator('#watch-add-name-error', { hasText: 'required' }).waitFor({ timeout: UI_TIMEOUT_MS });
    // A member's admin may not add one through the API either.
    await assert.rejects(adminApi.post('/api/watch/sources', { name: 'pk-try', kind: 'usgs-geojson', url: feedUrl, poll_s: 60 }), /: 403 /);
    // pk.duty's table marks it too.
    await duty.locator('#watch-source-rows tr[data-source="e2e-usgs"] .watch-added').waitFor({ timeout: 15_000 });
    await rcPage.context().close();
  });

  await t.test('in Russian and in Urdu (right to left) nothing scrolls sideways', async () => {
    for (const [lang, script, dir] of [['ru', /[\u0400-\u04ff]/, 'ltr'], ['ur', /[\u0600-\u06ff]/, 'rtl']]) {
      await duty.locator('#lang-select').selectOption(lang);
      await duty.waitForFunction((l) => document.documentElement.lang === l, lang);
      await waitForArea(duty, 150);
      const st = await duty.evaluate(() => {
        const n = document.querySelector('#nav');
        return {
          dir: document.documentElement.dir,
          h2: document.querySelector('#watch-rules-h').textContent,
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
          navClipped: n.scrollWidth > n.clientWidth + 1,
          header: document.querySelector('.topbar').getBoundingClientRect().height,
        };
      });
      assert.equal(st.dir, dir, lang);
      assert.match(st.h2, script, `${lang}: ${st.h2}`);
      assert.ok(st.scrollWidth <= st.clientWidth, `${lang}: no horizontal scrolling (${st.scrollWidth} > ${st.clientWidth})`);
      assert.equal(st.navClipped, false, `${lang}: every navigation item visible`);
      assert.ok(st.header < 80, `${lang}: header one row (${st.header} px)`);
      if (lang === 'ur') {
        await showRules(duty);
        await duty.screenshot({ path: path.join(SHOTS, 'watch-ur.png') });
        assert.deepEqual(await axeSerious(duty), [], 'axe in Urdu');
      }
    }
    await duty.locator('#lang-select').selectOption('en');
  });

  await t.test('no request left 127.0.0.1 and no script errors', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(pageErrors, []);
  });
});
