// What every browser test needs: the real dyad-server on an ephemeral loopback port with the
// built pages, a workshop created through the HTTP API, Debian's Chromium driven by
// playwright-core, waits on conditions with deadlines (never sleeps), and screenshots as test
// artefacts.
//
// Environment (set by tests/CMakeLists.txt): DYAD_SERVER (the binary), DYAD_WEB_ROOT (built
// pages), DYAD_WEB_DIR (web/, for playwright-core), DYAD_PLAN (a plan file), DYAD_ARTIFACTS
// (where screenshots go), and optionally DYAD_CHROMIUM (default /usr/bin/chromium).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set; run the browser tests through ctest (see tests/CMakeLists.txt).`);
  return v;
}

const { chromium } = createRequire(join(env('DYAD_WEB_DIR'), 'package.json'))('playwright-core');

export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes; then fails with `what` and the last value seen. */
export async function waitUntil(what, probe, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the element's text, trimmed and with runs of spaces collapsed, satisfies `test` (a string to contain, a RegExp, or a function). */
export async function waitForText(locator, test, timeoutMs = 15_000) {
  const ok = typeof test === 'string' ? (t) => t.includes(test) : test instanceof RegExp ? (t) => test.test(t) : test;
  let seen = '';
  await waitUntil(`${locator} to show ${test}`, async () => {
    seen = (await locator.first().innerText({ timeout: 1000 })).replace(/\s+/g, ' ').trim();
    return ok(seen) ? seen : false;
  }, timeoutMs).catch((e) => {
    throw new Error(`${e.message}\n  text was: ${JSON.stringify(seen)}`);
  });
  return seen;
}

export class Server {
  /** Starts dyad-server; `extraArgs` go after the usual options (e.g. --public-url). */
  static async start(extraArgs = [], { dataDir = mkdtempSync(join(tmpdir(), 'dyad-browser-')), port: wanted = 0,
    adminToken = randomBytes(16).toString('hex') } = {}) {
    const proc = spawn(env('DYAD_SERVER'), [
      '--port', String(wanted), '--bind', '127.0.0.1', '--data-dir', dataDir, '--web-root', env('DYAD_WEB_ROOT'),
      '--admin-token', adminToken, '--log-format', 'json', ...extraArgs,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let log = '';
    proc.stderr.on('data', (d) => { log += d; });
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dyad-server did not say where it listens within 15 s; output: ${out}${log}`)), 15_000);
      proc.stdout.on('data', (d) => {
        out += d;
        const m = /dyad-server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`dyad-server exited with ${code}: ${out}${log}`)); });
    });
    const s = new Server();
    Object.assign(s, { proc, dataDir, adminToken, port, extraArgs, base: `http://127.0.0.1:${port}`, logText: () => log, outputText: () => out });
    return s;
  }

  /** Waits until the server's standard output (its banner) matches `pattern`; answers the match. */
  async printed(pattern, timeoutMs = 15_000) {
    return waitUntil(`dyad-server to print ${pattern}`, () => pattern.exec(this.outputText()), timeoutMs);
  }

  /** The one-time link the banner prints for the first organiser (started with --first-organiser). */
  async firstOrganiserLink() {
    return (await this.printed(/set your password here[^\n]*\n\s*(\S+)/))[1];
  }

  /** Stops the server (SIGTERM) and starts it again on the same data folder and port, as an
   *  operator's restart does: pages left open reconnect to the same address. */
  async restart() {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await exited;
    const again = await Server.start(this.extraArgs, { dataDir: this.dataDir, port: this.port, adminToken: this.adminToken });
    Object.assign(this, { proc: again.proc, logText: again.logText, outputText: again.outputText });
  }

  /** Creates a workshop from a plan file; answers {code, facilitatorToken, facilitatorUrl, participantUrl}. */
  async createWorkshop(planPath = env('DYAD_PLAN')) {
    const res = await fetch(`${this.base}/api/workshops`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.adminToken}`, 'Content-Type': 'text/plain' },
      body: readFileSync(planPath),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`Creating a workshop failed: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  /** GET an API path with a bearer token; the body as text. */
  async api(path, token) {
    const res = await fetch(`${this.base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${text}`);
    return text;
  }

  async stop() {
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Debian's Chromium; `extraArgs` are added to its command line. */
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.DYAD_CHROMIUM || '/usr/bin/chromium',
    // The machine's network is closed: Chromium's own background traffic would only fail.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', ...extraArgs],
  });
}

/** A new browser context (its own storage, like another person's device) with one page;
 *  `contextOptions` go to Playwright's newContext (e.g. ignoreHTTPSErrors). */
export async function newPerson(browser, viewport = PHONE, contextOptions = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, ...contextOptions });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { context, page, errors };
}

const artifacts = process.env.DYAD_ARTIFACTS || join(tmpdir(), 'dyad-browser-artifacts');
mkdirSync(artifacts, { recursive: true });

/** Saves a full-page screenshot as a test artefact (never committed). */
export async function screenshot(page, name) {
  const path = join(artifacts, `${name}.png`);
  // From the top, so sticky headers sit where a person sees them.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  return path;
}

export { artifacts };

/** The real server and Chromium for the tests of one file: started before them, stopped after;
 *  `serverArgs` go to the server's command line (e.g. --first-organiser EMAIL). */
export function useServerAndBrowser(serverArgs = []) {
  const ctx = {};
  before(async () => {
    ctx.server = await Server.start(serverArgs);
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return ctx;
}

/** What a QR code in a picture says, read by zbarimg (Debian's zbar-tools). */
export function decodeQr(pngPath) {
  const r = spawnSync(process.env.DYAD_ZBARIMG || 'zbarimg', ['--raw', '-q', pngPath], { encoding: 'utf8' });
  if (r.error) throw new Error(`zbarimg could not run (${r.error.message}); bash deploy/install-deps.sh --tests installs it.`);
  if (r.status !== 0) throw new Error(`zbarimg found no QR code in ${pngPath} (exit ${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

const axeSource = readFileSync(createRequire(join(env('DYAD_WEB_DIR'), 'package.json')).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core's WCAG 2.1 A and AA rules on the page as it stands; returns the serious and
 *  critical violations, each as "rule: what (where)". Evaluated through the DevTools protocol,
 *  so the page's Content-Security-Policy stays as users get it. */
export async function accessibilityProblems(page) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.where.join('; ')})`);
}

/** Screenshots that also check the view against WCAG 2.1 AA: `shoot(page, name)` saves the
 *  picture and gathers axe-core's serious problems into `problems`, asserted once at the end. */
export function checkedScreenshots() {
  const problems = [];
  return {
    problems,
    async shoot(page, name) {
      await screenshot(page, name);
      for (const p of await accessibilityProblems(page)) problems.push(`${name}: ${p}`);
    },
  };
}
