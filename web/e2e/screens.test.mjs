// The duty officer's screens in Debian's Chromium (playwright-core): the incident page after a
// run at 1366x768 and 1920x1080 (with axe-core: no serious or critical violation), printed
// to A4, and the page of a published alert in all four languages. A real `forewarn serve
// --demo` on a fresh SQLite database; records are made through the API as the demo users.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, apiLogin as harnessLogin, guardedContext, waitForMapLayers, REPO, SHOTS, uiLogin } from './harness.mjs';

const require = createRequire(import.meta.url);
const DOC_IMG = path.join(REPO, 'docs', 'img');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const UI_TIMEOUT_MS = 30_000;
const VIEWPORTS = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
];

let server;
let base;
let browser;
const foreign = [];
const pageErrors = [];

/** A logged-in API client (session cookie + CSRF token), for making records. */
const apiLogin = (username) => harnessLogin(base, username);

async function runIncident(api, title, quake) {
  const inc = await api.post('/api/incidents', { title, quake });
  for (let i = 0; i < 1200; i++) {
    const v = await api.get(`/api/incidents/${inc.id}`);
    if (v.status !== 'running') {
      assert.equal(v.status, 'complete', JSON.stringify(v.error));
      return v;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`incident ${inc.id} did not finish`);
}

async function newContext(name, viewport) {
  return guardedContext(browser, base, name, { viewport, foreign, pageErrors });
}

async function loginPage(ctx, username) {
  const page = await ctx.newPage();
  await uiLogin(page, base, username, '', UI_TIMEOUT_MS);
  await waitForMapLayers(page, UI_TIMEOUT_MS);
  return page;
}

/** axe-core on `frame` (a page or a frame): the serious and critical violations. */
async function axeViolations(frame) {
  await frame.evaluate(AXE);
  const result = await frame.evaluate(async () => {
    // Frames are checked on their own (the incident page is opened as a page of its own).
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'], iframes: false });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The composer's CAP XML (the advanced view, kept in step with the form). */
const xmlText = (page) => page.locator('#compose-xml').inputValue();

/** Each `<info>`'s areas: `[[{ desc, polygons, geocode }]]`. */
function capAreaBlocks(xml) {
  const doc = xml.match(/<info>[\s\S]*?<\/info>/g) || [];
  return doc.map((info) => (info.match(/<area>[\s\S]*?<\/area>/g) || []).map((a) => ({
    desc: (a.match(/<areaDesc>([\s\S]*?)<\/areaDesc>/) || [])[1],
    polygons: [...a.matchAll(/<polygon>([\s\S]*?)<\/polygon>/g)].map((m) => m[1]),
    geocode: /<geocode>/.test(a),
  })));
}

/** A CAP 1.2 polygon: "lat,lon" pairs (latitude first), at least 4, the first and last the same. */
function checkCapPolygon(text) {
  const pairs = text.trim().split(/\s+/);
  assert.ok(pairs.length >= 4, `${pairs.length} pairs`);
  assert.ok(pairs.length <= 200, `${pairs.length} pairs`);
  assert.equal(pairs[0], pairs[pairs.length - 1], 'closed');
  for (const p of pairs) {
    const [lat, lon] = p.split(',').map(Number);
    assert.ok(Number.isFinite(lat) && lat >= -90 && lat <= 90, `latitude ${p}`);
    assert.ok(Number.isFinite(lon) && lon >= -180 && lon <= 180, `longitude ${p}`);
    // The region (22..56 N, 44..125 E): latitude comes first.
    assert.ok(lat >= 15 && lat <= 60 && lon >= 40 && lon <= 130, `in the region, latitude first: ${p}`);
    assert.ok(!/\.\d{5,}/.test(p), `at most 4 decimals: ${p}`);
  }
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await startServer('forewarn-screens-');
  base = server.base;
  browser = await launchBrowser();
});

after(async () => {
  if (server && server.exitStatus()) console.error(`the server exited (${server.exitStatus()}):\n${server.log()}`);
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('incident page and alert pages', { timeout: 15 * 60_000 }, async (t) => {
  const duty = await apiLogin('pk.duty');
  const approver = await apiLogin('pk.approver');
  const quake = { lat: 34.39, lon: 73.47, depth_km: 15, mag: 7.2, gmpe: 'bssa14' };
  const first = await runIncident(duty, 'Muzaffarabad M7.2 first estimate', quake);
  const second = await runIncident(duty, 'Muzaffarabad M7.6 update', { ...quake, lat: 34.49, mag: 7.6 });

  await t.test("a settlement's map popup gives its intensity over the fault's directions", async () => {
    const ctx = await newContext('pk.duty popup', { width: 1366, height: 768 });
    const page = await loginPage(ctx, 'pk.duty');
    await page.goto(`${base}/#/map/incident/${second.id}`);
    await page.waitForFunction(() => {
      const m = window.forewarnMap;
      return m && m.getLayer('incident-settlements') && m.queryRenderedFeatures({ layers: ['incident-settlements'] }).length > 0;
    }, null, { timeout: UI_TIMEOUT_MS });
    const top = await page.evaluate(() => {
      const m = window.forewarnMap;
      const fs = m.queryRenderedFeatures({ layers: ['incident-settlements'] });
      fs.sort((a, b) => b.properties.expected_deaths - a.properties.expected_deaths);
      const p = m.project(fs[0].geometry.coordinates);
      return { x: p.x, y: p.y, name: fs[0].properties.name };
    });
    const box = await page.locator('#map canvas').first().boundingBox();
    await page.mouse.click(box.x + top.x, box.y + top.y);
    const popup = page.locator('.maplibregl-popup-content');
    await popup.waitFor({ timeout: UI_TIMEOUT_MS });
    const text = await popup.innerText();
    assert.match(text, /MMI \d\.\d–\d\.\d depending on the fault's direction/, text);
    assert.match(text, /Expected deaths: [\d,.]+/, text);
    await ctx.close();
  });

  for (const vp of VIEWPORTS) {
    await t.test(`incident page at ${vp.width}x${vp.height}`, async () => {
      const ctx = await newContext(`pk.duty ${vp.width}`, vp);
      const page = await loginPage(ctx, 'pk.duty');
      // From the incident list to the page.
      await page.goto(`${base}/#/incidents`);
      await page.locator(`#incident-rows tr[data-id="${second.id}"] a.incident-page-link`).click();
      await page.waitForFunction((id) => location.hash === `#/incident/${id}`, second.id);
      const frameEl = page.locator('#incident-report');
      await frameEl.waitFor({ timeout: UI_TIMEOUT_MS });
      const frame = page.frameLocator('#incident-report');
      await frame.locator('#rpt-fatalities').waitFor({ timeout: UI_TIMEOUT_MS });
      // Alert colours: the overall pill and every band are coloured, and the colours differ.
      const colours = await frame.locator('#rpt').evaluate((root) => {
        const bg = (el) => getComputedStyle(el).backgroundColor;
        return {
          level: root.dataset.alertLevel,
          pill: bg(root.querySelector('#rpt-alert-level')),
          bands: [...root.querySelectorAll('#rpt-fatalities .rpt-band')].map((b) => ({ level: b.dataset.level, bg: bg(b.querySelector('.rpt-band-bar')), label: b.getAttribute('aria-label') })),
        };
      });
      assert.ok(['green', 'yellow', 'orange', 'red'].includes(colours.level), colours.level);
      assert.notEqual(colours.pill, 'rgba(0, 0, 0, 0)', 'the alert pill is coloured');
      assert.equal(colours.bands.length, 7, 'seven PAGER ranges');
      assert.deepEqual([...new Set(colours.bands.map((b) => b.level))], ['green', 'yellow', 'orange', 'red']);
      assert.equal(new Set(colours.bands.map((b) => b.bg)).size, 4, JSON.stringify(colours.bands));
      assert.ok(colours.bands.every((b) => /%/.test(b.label)), 'each range has its probability');
      // Exposure with words, settlements, map with epicentre, caveats, changes.
      const text = await frame.locator('#rpt').innerText();
      for (const words of ['Perceived shaking', 'Very strong', 'Most affected settlements', 'Muzaffarabad', 'PROXY', 'Wald & Allen 2007', 'Ground-motion models', 'Intensity (MMI)', 'larger of the two horizontal components', 'Boore & Kishida (2017)']) {
        assert.ok(text.includes(words), `${words} shown`);
      }
      // The event is a point: the page says that its people are counted over every direction
      // of the fault, and each settlement's intensity range over those directions.
      for (const words of ["The fault's direction is not known yet", 'Earthquake source', '90 possible ruptures']) {
        assert.ok(text.includes(words), `${words} shown`);
      }
      assert.match(await frame.locator('#rpt-settlements tbody tr').first().innerText(), /\d\.\d \(\d\.\d–\d\.\d depending on the fault's direction\)/);
      assert.equal(await frame.locator('svg.rpt-map .rpt-epicentre').count(), 1);
      assert.ok((await frame.locator('svg.rpt-map text').count()) > 2, 'place names on the map');
      assert.ok(text.includes(`#${first.id} Muzaffarabad M7.2 first estimate`), 'compared with the previous run');
      assert.ok((await frame.locator('#rpt-changes tr.rpt-changed').count()) >= 2, 'changes are marked');
      // The page sits below the bar, the bar does not overflow, and the screen opens at its top.
      const layout = await page.evaluate(() => ({
        scrollY: document.querySelector('main').scrollTop,
        overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
        frameWidth: document.querySelector('#incident-report').getBoundingClientRect().width,
        headerHeight: document.querySelector('.topbar').getBoundingClientRect().height,
        navClipped: (() => { const n = document.querySelector('#nav'); return n.scrollWidth > n.clientWidth + 1; })(),
      }));
      // The header is one row from 1280 px up, with every navigation item visible.
      assert.ok(layout.headerHeight < 80, `the header is one row (${layout.headerHeight} px)`);
      assert.equal(layout.navClipped, false, 'every navigation item is visible');
      assert.equal(layout.scrollY, 0);
      assert.equal(layout.overflow, false, 'no horizontal scrolling');
      assert.ok(layout.frameWidth > vp.width * 0.8, `the page uses the width (${layout.frameWidth})`);
      await page.screenshot({ path: path.join(SHOTS, `incident-page-${vp.width}.png`) });
      if (vp.width === 1366) {
        fs.mkdirSync(DOC_IMG, { recursive: true });
        await page.screenshot({ path: path.join(DOC_IMG, 'incident-page.png') });
      }
      // Accessibility: the screen and the page inside the frame.
      assert.deepEqual(await axeViolations(page), [], 'axe on the incident screen');
      const own = await ctx.newPage();
      await own.goto(`${base}/api/incidents/${second.id}/report.html`);
      assert.deepEqual(await axeViolations(own), [], 'axe on the incident page');
      await own.close();
      // The run's data to save: the exposure table for a spreadsheet, the layers for QGIS.
      if (vp.width === 1366) {
        const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#incident-exposure-csv').click()]);
        assert.equal(download.suggestedFilename(), `incident-${second.id}-exposure.csv`);
        const csv = fs.readFileSync(await download.path(), 'utf8');
        assert.match(csv.split('\n')[0], /^country_iso2,country,people_mmi1,people_mmi2,.*,people_mmi10,people_exposed_mmi5_plus,deaths_median_shaking,loss_usd_median_shaking$/);
        assert.match(csv, /\nPK,Pakistan,(\d+,){12}\d+\n/, csv);
        for (const [linkId, type] of [['#incident-contours-geojson', 'Polygon'], ['#incident-settlements-geojson', 'Point']]) {
          const href = await page.locator(linkId).getAttribute('href');
          const fc = await (await page.request.get(`${base}${href}`)).json();
          assert.equal(fc.type, 'FeatureCollection', linkId);
          assert.ok(fc.features.length > 0 && fc.features.some((f) => f.geometry.type.endsWith(type)), linkId);
        }
      }
      // No comparison when asked for none.
      await page.locator('#incident-compare').selectOption('0');
      await frame.locator('#rpt-changes', { hasText: 'No earlier run' }).waitFor({ timeout: UI_TIMEOUT_MS });
      // In Russian.
      await page.locator('#lang-select').selectOption('ru');
      await page.frameLocator('#incident-report').locator('#rpt-exposure', { hasText: 'Ощущаемые сотрясения' }).waitFor({ timeout: UI_TIMEOUT_MS });
      // Russian's long words fit the exposure table into the page, without breaking a word.
      const ruTable = await page.frameLocator('#incident-report').locator('#rpt-exposure').evaluate((t) => ({
        table: t.getBoundingClientRect().width,
        page: t.closest('.rpt').clientWidth,
        cellHeights: [...t.querySelectorAll('tbody tr')].map((r) => r.getBoundingClientRect().height),
      }));
      assert.ok(ruTable.table <= ruTable.page, `the Russian exposure table fits (${JSON.stringify(ruTable)})`);
      assert.ok(Math.max(...ruTable.cellHeights) < 60, `no row is broken into a word per line (${ruTable.cellHeights})`);
      const ruHeader = await page.evaluate(() => {
        const n = document.querySelector('#nav');
        return { h: document.querySelector('.topbar').getBoundingClientRect().height, clipped: n.scrollWidth > n.clientWidth + 1 };
      });
      assert.ok(ruHeader.h < 80, `the Russian header is one row (${ruHeader.h} px)`);
      assert.equal(ruHeader.clipped, false, 'every Russian navigation item is visible');
      // In Chinese and in Urdu (right to left), with the country named in the language.
      for (const [lang, words, country, dir] of [['zh', '震感', '巴基斯坦', 'ltr'], ['ur', 'محسوس ہونے والے جھٹکے', 'پاکستان', 'rtl']]) {
        await page.locator('#lang-select').selectOption(lang);
        const f = page.frameLocator('#incident-report');
        await f.locator('#rpt-exposure', { hasText: words }).waitFor({ timeout: UI_TIMEOUT_MS });
        await f.locator('#rpt-settlements', { hasText: country }).waitFor({ timeout: UI_TIMEOUT_MS });
        assert.equal(await f.locator('html').getAttribute('dir'), dir, `${lang}: page direction`);
        if (lang === 'ur') {
          const urPage = await ctx.newPage();
          await urPage.goto(`${base}/api/incidents/${second.id}/report.html?lang=ur`);
          assert.deepEqual(await axeViolations(urPage), [], 'axe on the Urdu incident page');
          await urPage.close();
        }
      }
      await page.locator('#lang-select').selectOption('en');
      await ctx.close();
    });
  }

  await t.test('the incident page prints on A4', async () => {
    const ctx = await newContext('print', VIEWPORTS[0]);
    const page = await loginPage(ctx, 'pk.duty');
    await page.goto(`${base}/api/incidents/${second.id}/report.html`);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    assert.ok(pages >= 1 && pages <= 3, `A4 pages: ${pages}`);
    // Laid out at the printable width of A4 (210 mm - 2 x 12 mm = 186 mm, 703 px at 96 dpi),
    // nothing is wider than the paper.
    await page.setViewportSize({ width: 703, height: 1000 });
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
    assert.ok(widths.scroll <= widths.inner, `content fits A4 (${widths.scroll} > ${widths.inner} px)`);
    await ctx.close();
  });

  await t.test('a published alert has a page in all four languages', async () => {
    const draft = await duty.post('/api/alerts', { incident_id: second.id });
    await approver.post(`/api/alerts/${draft.id}/approve`, {});
    await duty.post(`/api/alerts/${draft.id}/publish`, {});
    for (const vp of VIEWPORTS) {
      // Anonymous, as the public reads it.
      const ctx = await newContext(`public ${vp.width}`, vp);
      const page = await ctx.newPage();
      const res = await page.goto(`${base}/cap/${draft.id}.html`);
      assert.equal(res.status(), 200);
      assert.equal(res.headers()['content-type'], 'text/html; charset=utf-8');
      const sections = await page.locator('section.cap-info').evaluateAll((els) => els.map((e) => ({
        lang: e.getAttribute('lang'),
        dir: getComputedStyle(e).direction,
        headline: e.querySelector('h2').textContent,
      })));
      assert.deepEqual(sections.map((s) => s.lang), ['en', 'ru', 'zh', 'ur']);
      assert.deepEqual(sections.map((s) => s.dir), ['ltr', 'ltr', 'ltr', 'rtl']);
      assert.ok(sections.every((s) => s.headline.trim().length > 0));
      assert.match(sections[1].headline, /[А-Яа-я]/, 'Russian in Cyrillic');
      assert.match(sections[2].headline, /[\u4e00-\u9fff]/, 'Chinese in Han characters');
      assert.match(sections[3].headline, /[\u0600-\u06ff]/, 'Urdu in Arabic script');
      // Fit to publish: the place and areas are in the block's language, numbers rounded.
      const texts = await page.locator('section.cap-info').evaluateAll((els) => els.map((e) => e.textContent));
      for (const [i, text] of texts.entries()) {
        if (i === 0) continue;
        for (const english of ['km from', 'or more', 'Pakistan', 'Muzaffar', 'near ']) {
          assert.ok(!text.includes(english), `${sections[i].lang}: "${english}" in the text`);
        }
        assert.doesNotMatch(text, /\d{6,}/, `${sections[i].lang}: a raw count of people`);
      }
      assert.ok((await page.locator('svg.cap-area').count()) >= 4, 'each language shows its area');
      assert.deepEqual(await axeViolations(page), [], 'axe on the alert page');
      await page.screenshot({ path: path.join(SHOTS, `alert-page-${vp.width}.png`), fullPage: true });
      if (vp.width === 1366) await page.screenshot({ path: path.join(DOC_IMG, 'alert-page.png') });
      // The XML link shows the XML in the browser (no download).
      const xml = await page.goto(`${base}/cap/${draft.id}.xml`);
      assert.equal(xml.headers()['content-type'], 'application/xml; charset=utf-8');
      assert.match(await xml.text(), /<alert[\s>]/);
      await ctx.close();
    }
    // The approvals screen shows the alert's headline in the UI's language.
    const ctx = await newContext('approvals ru', VIEWPORTS[0]);
    const page = await loginPage(ctx, 'pk.approver');
    await page.locator('#lang-select').selectOption('ru');
    await page.locator('#nav-approvals').click();
    const heading = page.locator(`#alert-${draft.id}-h`);
    await heading.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await heading.textContent(), /Землетрясение/, 'the Russian headline in the Russian UI');
    // ... and the CAP severity in Russian, not the English code.
    const meta = await page.locator(`[data-alert-id="${draft.id}"] .meta`).first().textContent();
    assert.match(meta, /Чрезвычайная|Значительная|Умеренная|Незначительная|Тяжесть неизвестна/, meta);
    assert.match(meta, /Тяжесть: /, `the severity is labelled: ${meta}`);
    assert.doesNotMatch(meta, /Extreme|Severe|Moderate|Minor/, meta);
    await ctx.close();

    // An update of the published alert: the approver sees what changed, language by language.
    const update = await duty.post(`/api/alerts/${draft.id}/update`, { note: 'Magnitude revised by the national network' });
    for (const vp of VIEWPORTS) {
      const actx = await newContext(`review ${vp.width}`, vp);
      const ap = await loginPage(actx, 'pk.approver');
      await ap.locator('#nav-approvals').click();
      const card = ap.locator(`#queue-drafts [data-alert-id="${update.id}"]`);
      await card.waitFor({ timeout: UI_TIMEOUT_MS });
      await card.locator('[data-action="review"]').click();
      await card.locator('#review-diff').waitFor({ timeout: UI_TIMEOUT_MS });
      const changed = await card.locator('#review-diff tbody tr').evaluateAll((rows) => rows.map((r) => r.cells[1].textContent));
      assert.ok(changed.includes('msgType') && changed.includes('note'), changed.join());
      await ap.frameLocator(`#review-frame-${update.id}`).locator('section.cap-info[lang="ur"]').waitFor({ timeout: UI_TIMEOUT_MS });
      assert.deepEqual(await axeViolations(ap), [], 'axe on the approver\'s review');
      const overflow = await ap.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
      assert.equal(overflow, false, 'no horizontal scrolling on the review');
      await card.scrollIntoViewIfNeeded();
      await ap.screenshot({ path: path.join(SHOTS, `approval-review-${vp.width}.png`) });
      if (vp.width === 1366) await ap.screenshot({ path: path.join(DOC_IMG, 'approval-review.png') });
      await actx.close();
    }
  });

  for (const vp of VIEWPORTS) {
    await t.test(`the composer is a form at ${vp.width}x${vp.height}`, async () => {
      const ctx = await newContext(`composer ${vp.width}`, vp);
      const page = await loginPage(ctx, 'pk.duty');
      await page.goto(`${base}/#/compose/incident/${second.id}`);
      await page.locator('#compose-validation[data-state="valid"]').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.locator('#compose-preview-frame').waitFor({ timeout: UI_TIMEOUT_MS });
      const layout = await page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
        columns: [...document.querySelectorAll('.lang-column')].map((c) => ({ lang: c.dataset.lang, dir: c.getAttribute('dir'), w: c.getBoundingClientRect().width })),
        xmlOpen: document.querySelector('#compose-advanced').open,
      }));
      assert.equal(layout.overflow, false, 'no horizontal scrolling');
      assert.deepEqual(layout.columns.map((c) => c.lang), ['en', 'ru', 'zh', 'ur']);
      assert.equal(layout.columns.find((c) => c.lang === 'ur').dir, 'rtl');
      assert.ok(layout.columns.every((c) => c.w > 200), JSON.stringify(layout.columns));
      assert.equal(layout.xmlOpen, false, 'the XML is an advanced view');
      assert.deepEqual(await axeViolations(page), [], 'axe on the composer');
      await page.screenshot({ path: path.join(SHOTS, `composer-${vp.width}.png`) });
      if (vp.width === 1366) await page.screenshot({ path: path.join(DOC_IMG, 'composer.png') });
      await ctx.close();
    });
  }

  for (const vp of VIEWPORTS) {
    await t.test(`the composer sets the area from the shaking, a country, a province and a drawing at ${vp.width}x${vp.height}`, async () => {
      const ctx = await newContext(`composer area ${vp.width}`, vp);
      const page = await loginPage(ctx, 'pk.duty');
      await page.goto(`${base}/#/compose/incident/${second.id}`);
      await page.locator('#compose-validation[data-state="valid"]').waitFor({ timeout: UI_TIMEOUT_MS });
      const mapEl = page.locator('#compose-area-map');
      // The proposal's areas (those of its first language) are on the map.
      const proposed = capAreaBlocks(await xmlText(page))[0].length;
      assert.ok(proposed >= 1, 'the proposal has areas');
      await page.locator(`#compose-area-map[data-areas="${proposed}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
      await page.waitForFunction(() => window.forewarnAreaMap && window.forewarnAreaMap.loaded(), null, { timeout: UI_TIMEOUT_MS });

      /** Applies the new areas shown and waits for the server's verdict on the result. */
      const applyAreas = async () => {
        await page.locator('#compose-area-map[data-pending]:not([data-pending="0"])').waitFor({ timeout: UI_TIMEOUT_MS });
        await page.locator('#compose-area-apply').click();
        await page.locator('#compose-validation[data-state="valid"]').waitFor({ timeout: UI_TIMEOUT_MS });
        const blocks = capAreaBlocks(await xmlText(page));
        assert.deepEqual(blocks.map((b) => b.length), blocks.map(() => blocks[0].length), 'every language has the same areas');
        for (const polygon of blocks.flat().flatMap((a) => a.polygons)) checkCapPolygon(polygon);
        await page.locator(`#compose-area-map[data-areas="${blocks[0].length}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
        return blocks;
      };

      // 1. The incident's shaking, MMI VII or more: the contour of the estimate.
      await page.locator('#compose-area-src-mmi').check();
      await page.locator('#compose-area-mmi').selectOption('7');
      let blocks = await applyAreas();
      assert.ok(blocks[0].length >= 1);
      assert.deepEqual(blocks.map((b) => b[0].desc), ['Area of shaking MMI VII or more', 'Зона сотрясений интенсивностью VII и более по шкале MMI', '烈度VII度及以上区域（修订麦加利烈度）', 'مرکلی پیمانے (MMI) پر VII یا زیادہ شدت کے جھٹکوں والا علاقہ']);
      assert.ok(blocks.flat().every((a) => !a.geocode), 'replaced areas keep no geocode');
      // The form's area descriptions and the page the public would read follow.
      const formAreas = await page.locator('.lang-column[data-lang="en"] input[data-field="areaDesc"]').evaluateAll((els) => els.map((e) => e.value));
      assert.deepEqual(formAreas, blocks[0].map((a) => a.desc));
      await page.frameLocator('#compose-preview-frame').locator('body', { hasText: 'Area of shaking MMI VII or more' }).waitFor({ timeout: UI_TIMEOUT_MS });

      // 2. A country: one area named in each block's language.
      await page.locator('#compose-area-src-countries').check();
      await page.locator('#compose-area-country-PK').check();
      blocks = await applyAreas();
      assert.deepEqual(blocks.map((b) => b.map((a) => a.desc)), [['Pakistan'], ['Пакистан'], ['巴基斯坦'], ['پاکستان']]);

      // 2b. A province of the user's own country, named in each block's language.
      await page.locator('#compose-area-src-units').check();
      assert.equal(await page.locator('#compose-area-unit-country').inputValue(), 'PK', 'provinces start at the user\'s country');
      await page.locator('#compose-area-unit-PK-GB').check();
      await page.locator('#compose-area-map[data-pending="1"]').waitFor({ timeout: UI_TIMEOUT_MS });
      if (vp.width === 1366) {
        await page.locator('#compose-area').evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await page.screenshot({ path: path.join(DOC_IMG, 'composer-provinces.png') });
      }
      blocks = await applyAreas();
      assert.deepEqual(blocks.map((b) => b.map((a) => a.desc)),
        [['Gilgit-Baltistan, Pakistan'], ['Гилгит-Балтистан (Пакистан)'], ['巴基斯坦吉尔吉特－巴尔蒂斯坦'], ['گلگت بلتستان، پاکستان']]);

      // 3. A triangle drawn by three clicks on the map, finished with the button.
      await page.locator('#compose-area-src-draw').check();
      await page.locator('#compose-area-draw-start').click();
      const canvas = page.locator('#compose-area-map canvas');
      await canvas.scrollIntoViewIfNeeded();
      const box = await canvas.boundingBox();
      for (const [x, y] of [[0.35, 0.3], [0.65, 0.35], [0.5, 0.7]]) {
        await canvas.click({ position: { x: box.width * x, y: box.height * y } });
      }
      await page.locator('#compose-area-draw-count', { hasText: '3' }).waitFor({ timeout: UI_TIMEOUT_MS });
      await page.locator('#compose-area-draw-finish').click();
      await page.locator('#compose-area-map[data-pending="1"]').waitFor({ timeout: UI_TIMEOUT_MS });
      assert.deepEqual(await page.locator('#compose-area-pending input').evaluateAll((els) => els.map((e) => e.value)),
        ['Drawn area', 'Зона, указанная на карте', '地图上绘制的区域', 'نقشے پر بنایا گیا علاقہ']);
      assert.deepEqual(await axeViolations(page), [], 'axe on the composer with a drawn area to apply');
      await page.locator('#compose-area').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: path.join(SHOTS, `composer-area-${vp.width}.png`) });
      if (vp.width === 1366) await page.screenshot({ path: path.join(DOC_IMG, 'composer-area.png') });
      blocks = await applyAreas();
      assert.deepEqual(blocks.map((b) => b.length), [1, 1, 1, 1]);
      for (const b of blocks) {
        assert.equal(b[0].polygons.length, 1);
        assert.equal(b[0].polygons[0].trim().split(/\s+/).length, 4, 'a triangle: 3 corners and the first again');
      }
      assert.equal(blocks[0][0].desc, 'Drawn area');
      const layout = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
      assert.equal(layout, false, 'no horizontal scrolling');
      assert.deepEqual(await axeViolations(page), [], 'axe on the composer after setting the area');
      await ctx.close();
    });
  }

  for (const vp of VIEWPORTS) {
    await t.test(`the UI in Chinese and in Urdu (right to left) at ${vp.width}x${vp.height}`, async () => {
      const ctx = await newContext(`zh ur ${vp.width}`, vp);
      const page = await loginPage(ctx, 'pk.duty');
      for (const [lang, script, dir] of [['zh', /[\u4e00-\u9fff]/, 'ltr'], ['ur', /[\u0600-\u06ff]/, 'rtl']]) {
        await page.locator('#lang-select').selectOption(lang);
        await page.waitForFunction((l) => document.documentElement.lang === l, lang);
        for (const screen of ['#/map', `#/compose/incident/${second.id}`, '#/approvals', '#/incidents']) {
          await page.goto(`${base}/${screen}`);
          await page.locator('main h1, main h2').first().waitFor({ timeout: UI_TIMEOUT_MS });
          if (screen.startsWith('#/compose')) {
            await page.locator('#compose-validation[data-state="valid"]').waitFor({ timeout: UI_TIMEOUT_MS });
          }
          const st = await page.evaluate(() => {
            const n = document.querySelector('#nav');
            return {
              dir: getComputedStyle(document.body).direction,
              nav: n.innerText,
              h1: document.querySelector('main h1, main h2').textContent,
              header: document.querySelector('.topbar').getBoundingClientRect().height,
              clipped: n.scrollWidth > n.clientWidth + 1,
              overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
              brandLeft: document.querySelector('.brand').getBoundingClientRect().left,
            };
          });
          assert.equal(st.dir, dir, `${lang} ${screen}`);
          assert.match(st.nav, script, `${lang}: navigation in its script`);
          assert.match(st.h1, script, `${lang} ${screen}: heading in its script (${st.h1})`);
          assert.ok(st.header < 80, `${lang} ${screen}: header one row (${st.header} px)`);
          assert.equal(st.clipped, false, `${lang} ${screen}: every navigation item visible`);
          assert.equal(st.overflow, false, `${lang} ${screen}: no horizontal scrolling`);
          // Right to left, the brand sits at the right end of the header.
          if (dir === 'rtl') assert.ok(st.brandLeft > vp.width / 2, `${lang}: brand at the right (${st.brandLeft})`);
          assert.deepEqual(await axeViolations(page), [], `axe on ${screen} in ${lang}`);
          if (vp.width === 1366 && screen === '#/approvals') {
            await page.screenshot({ path: path.join(DOC_IMG, `ui-${lang}.png`) });
          }
        }
      }
      await page.locator('#lang-select').selectOption('en');
      await ctx.close();
    });
  }

  assert.deepEqual(foreign, [], 'no request left the host');
  assert.deepEqual(pageErrors, [], 'no script errors');
});
