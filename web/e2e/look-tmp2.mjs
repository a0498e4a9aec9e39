import { launchBrowser } from './harness.mjs';
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
await page.goto('file:///tmp/pt/summary.html');
const h = await page.evaluate(() => document.body.scrollHeight);
console.log(h);
for (let y = 0, i = 0; y < h; y += 900, i++) {
  await page.evaluate((y) => window.scrollTo(0, y), y);
  await page.screenshot({ path: `/tmp/rep-${i}.png` });
}
await browser.close();
