// What the browser tests share: where the binary, the browser and the UI are, a free port,
// a `forewarn serve --demo` on a fresh SQLite database, Chromium, and an API client.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const BIN = path.resolve(REPO, process.env.FOREWARN_BIN || 'target/debug/forewarn');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
/** The UI the server serves (`--web-dir`): FOREWARN_WEB_DIR (relative to the repository root), else this checkout's web/. */
export const WEB_DIR = path.resolve(REPO, process.env.FOREWARN_WEB_DIR || 'web');
export const SHOTS = path.join(HERE, 'screenshots');
export const PASSWORD = 'forewarn-demo';
const SERVER_START_MS = 120_000;

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Start `forewarn serve --demo` (and `extraArgs`) on a fresh database and a free loopback port;
 * resolves when /api/health answers. Returns {base, log(), exitStatus(), stop()}.
 */
export async function startServer(prefix, extraArgs = []) {
  if (!fs.existsSync(BIN)) throw new Error(`forewarn binary not found at ${BIN}; build it (cargo build -p forewarn-cli) or set FOREWARN_BIN`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ['serve', '--demo', '--db', `sqlite://${path.join(tmp, 't.db')}`, '--bind', `127.0.0.1:${port}`, '--web-dir', WEB_DIR, ...extraArgs];
  const child = spawn(BIN, args, { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          r();
        });
      });
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  const end = Date.now() + SERVER_START_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > end) {
      await stop();
      throw new Error(`server not healthy after ${SERVER_START_MS} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // null while the server runs, else how it ended ("code 1", "signal SIGKILL").
  const exitStatus = () => (child.signalCode ? `signal ${child.signalCode}` : child.exitCode !== null ? `code ${child.exitCode}` : null);
  return { base, log: () => log, exitStatus, stop };
}

/** Debian's Chromium, headless, with nothing that would reach the network by itself. */
export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}; apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A fresh, isolated browser context (own cookies) of the server at `base` with the offline
 * guard: every request that would leave it (other than data:, blob: and about: URLs) is
 * recorded in `foreign` as "`name`: URL" and aborted, and each page's script errors go to
 * `pageErrors`.
 */
export async function guardedContext(browser, base, name, { viewport, foreign, pageErrors }) {
  const isLocal = (url) => /^(data|blob|about):/.test(url) || new URL(url).origin === base;
  const ctx = await browser.newContext({ viewport, locale: 'en-GB' });
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    foreign.push(`${name}: ${url}`);
    return route.abort('blockedbyclient');
  });
  ctx.on('request', (req) => {
    if (!isLocal(req.url())) foreign.push(`${name} (request event): ${req.url()}`);
  });
  ctx.on('page', (page) => page.on('pageerror', (err) => pageErrors.push(`${name}: ${err.message}`)));
  return ctx;
}

/** A logged-in API client (session cookie + CSRF token) of `base`, for making records. */
export async function apiLogin(base, username) {
  const res = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 200, `login ${username}`);
  const me = await res.json();
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const call = async (method, p, body) => {
    const r = await fetch(`${base}${p}`, {
      method,
      headers: { Cookie: cookie, 'X-CSRF-Token': me.csrf_token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b) };
}

/**
 * Wait until the map screen has its region layers and the shown incident's layers. Leaving
 * the map before they arrive hangs up mid-response, which `forewarn serve` does not survive
 * yet (README.md, "Known issue").
 */
export async function waitForMapLayers(page, timeout_ms = 30_000) {
  await page.waitForFunction(() => {
    const m = window.forewarnMap;
    const ready = document.querySelector('#map')?.dataset.layers === 'ready';
    return ready && m && m.isSourceLoaded('countries') && m.isSourceLoaded('settlements');
  }, null, { timeout: timeout_ms });
}

/** Logs `username` in through the login form (opening `base` + `hash`) and waits until the
 * UI shows the user. */
export async function uiLogin(page, base, username, hash = '', timeout_ms = 30_000) {
  await page.goto(`${base}/${hash}`);
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(PASSWORD);
  await page.locator('#login-submit').click();
  await page.locator('#whoami', { hasText: username }).waitFor({ timeout: timeout_ms });
}
