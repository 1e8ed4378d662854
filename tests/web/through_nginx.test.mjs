// Dyad behind Debian's nginx running the SHIPPED site (deploy/nginx/dyad.conf), over HTTPS, as
// organisers deploy it: once at the root of its host, once under a path (/dyad/). A facilitator
// and three participants run a short day entirely through nginx — links, QR code and the Zoom
// message carry the public URL, the WebSockets pass through nginx — and the server logs each
// request's real address: the participant's behind nginx, never a forged X-Forwarded-For.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { DESKTOP, PHONE, Server, artifacts, decodeQr, launchBrowser, newPerson, screenshot, waitForText, waitUntil } from './harness.mjs';
import { Nginx, freePorts } from './nginx.mjs';
import { answerFeedback, joinAs, readAssignment } from './pages.mjs';

const HOST = 'dyad.test';
// Chromium finds dyad.test on loopback, and accepts the test's self-signed certificate.
const browserArgs = [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`];
const contextOptions = { ignoreHTTPSErrors: true };

const people = [
  { name: 'Amira Haddad', overall: 'Excellent', recommend: 'Definitely', cat: 'Yes', relevance: 'Extremely relevant', pace: 5 },
  { name: 'Ben Okafor', overall: 'Good', recommend: 'Perhaps', cat: 'No', relevance: 'Of some relevance', pace: 4 },
  { name: 'Chloe Martin', overall: 'Excellent', recommend: 'Definitely', cat: 'No', relevance: 'Extremely relevant', pace: 3 },
];

let browser;
before(async () => { browser = await launchBrowser(browserArgs); });
after(async () => { await browser?.close(); });

/**
 * dyad-server whose public URL is nginx's HTTPS address (plus `prefix`), trusting nginx on
 * 127.0.0.1, and nginx in front of it. nginx's ports are chosen first (the server must know its
 * public URL); if one is taken before nginx binds it, both start again on new ones.
 */
async function startBehindNginx(prefix) {
  for (let attempt = 1; ; attempt++) {
    const [httpPort, httpsPort] = await freePorts(2);
    const origin = `https://${HOST}:${httpsPort}`;
    const publicUrl = `${origin}${prefix}`;
    const server = await Server.start(['--public-url', publicUrl, '--trusted-proxy', '127.0.0.1']);
    try {
      const nginx = await Nginx.start({ serverName: HOST, httpPort, httpsPort, upstreamPort: server.port, prefix });
      return { server, nginx, origin, publicUrl, httpPort, httpsPort };
    } catch (e) {
      await server.stop();
      if (!e.addressInUse || attempt === 3) throw e;
    }
  }
}

/** One HTTP request with Node's own client, from `localAddress`: to nginx over TLS (as
 *  https://dyad.test:PORT) or straight to dyad-server. Upgrades are answered, then closed. */
function send({ port, tls, path, method = 'GET', headers = {}, body, localAddress = '127.0.0.1' }) {
  return new Promise((resolve, reject) => {
    const req = (tls ? https : http).request({
      host: '127.0.0.1', port, path, method, headers, localAddress, agent: false,
      ...(tls ? { servername: HOST, rejectUnauthorized: false } : {}),
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path} from ${localAddress}: no answer within 10 s`)));
    req.once('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, headers: res.headers, body: '' });
    });
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** The headers of a browser's WebSocket handshake, from a page of `origin`. */
function upgradeHeaders(origin) {
  return {
    Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'), Origin: origin,
  };
}

/** The messages of the server's JSON log lines ({"time":…,"level":…,"msg":"…"}). */
function logMessages(server) {
  return server.logText().split('\n').filter(Boolean).map((line) => {
    try { return JSON.parse(line).msg ?? line; } catch { return line; }
  });
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `client=ADDR` as a whole address (127.0.0.9 is not 127.0.0.90). */
const clientIs = (address) => `client=${escape(address)}(?![\\d.])`;

/** Waits for the server's log to hold more than `seen` lines matching `re`; answers the newest. */
async function nextLogLine(server, what, re, seen) {
  return waitUntil(`the server's log to show ${what} (${re})`, () => {
    const lines = logMessages(server).filter((m) => re.test(m));
    return lines.length > seen ? lines[lines.length - 1] : false;
  });
}

const countLog = (server, re) => logMessages(server).filter((m) => re.test(m)).length;

async function createWorkshop(s, prefix) {
  const res = await send({
    port: s.httpsPort, tls: true, method: 'POST', path: `${prefix}/api/workshops`,
    headers: { Host: `${HOST}:${s.httpsPort}`, Authorization: `Bearer ${s.server.adminToken}`, 'Content-Type': 'text/plain' },
    body: readFileSync(process.env.DYAD_PLAN),
  });
  assert.ok(res.status >= 200 && res.status < 300, `POST ${prefix}/api/workshops through nginx: ${res.status} ${res.body}`);
  const w = JSON.parse(res.body);
  return {
    code: w.code,
    participantUrl: w.participantUrl ?? w.participant_url,
    facilitatorUrl: w.facilitatorUrl ?? w.facilitator_url,
  };
}

/** A person's device (harness.newPerson) whose every request and WebSocket address is recorded. */
async function recordedPerson(viewport) {
  const d = await newPerson(browser, viewport, contextOptions);
  d.requests = [];
  d.sockets = [];
  d.context.on('request', (r) => d.requests.push(r.url()));
  d.page.on('websocket', (ws) => d.sockets.push(ws.url()));
  return d;
}

for (const { prefix, label, shot } of [
  { prefix: '', label: 'at the root of its host', shot: 'nginx' },
  { prefix: '/dyad', label: 'under /dyad/', shot: 'nginx-prefix' },
]) {
  describe(`Browser.ThroughNginx ${label}`, () => {
    let s;
    before(async () => { s = await startBehindNginx(prefix); });
    after(async () => {
      await s?.nginx.stop();
      await s?.server.stop();
    });

    test(`Browser.ThroughNginx: a short workshop day over HTTPS ${label}; links, QR code and Zoom message carry the public URL`, async () => {
      const w = await createWorkshop(s, prefix);
      const joinUrl = `${s.publicUrl}/j/${w.code}`;
      assert.equal(w.participantUrl, joinUrl, 'the participant link the API answers is on the public URL');
      assert.ok(w.facilitatorUrl?.startsWith(`${s.publicUrl}/f/${w.code}#t=`), `the facilitator link is on the public URL: ${w.facilitatorUrl}`);

      const fac = await recordedPerson(DESKTOP);
      fac.page.on('dialog', (d) => d.accept());
      await fac.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.origin });
      const response = await fac.page.goto(w.facilitatorUrl);
      assert.equal(response.status(), 200, `the dashboard through nginx: ${response.status()}`);
      assert.equal(response.headers()['strict-transport-security'], 'max-age=63072000', 'nginx adds HSTS');
      await waitForText(fac.page.getByTestId('conn-state'), 'Connected');
      await waitForText(fac.page.getByTestId('join-code'), w.code);

      // The join link, the Zoom message and the QR code: all the public address.
      const link = fac.page.getByTestId('join-link');
      await waitForText(link, joinUrl);
      assert.equal(await link.getAttribute('href'), joinUrl, 'the join link\'s href');
      await fac.page.getByRole('button', { name: 'Copy message for Zoom chat' }).click();
      const message = await waitUntil('the Zoom chat message, copied or shown to copy by hand', async () => {
        const fallback = fac.page.getByLabel('Text to copy');
        const text = (await fallback.isVisible()) ? await fallback.inputValue()
          : await fac.page.evaluate(() => navigator.clipboard.readText());
        return text.includes(w.code) ? text : false;
      });
      assert.ok(message.includes(joinUrl), `the Zoom chat message carries ${joinUrl}: ${JSON.stringify(message)}`);
      await fac.page.getByRole('button', { name: 'Show QR code large' }).click();
      const qr = join(artifacts, `${shot}-qr.png`);
      await fac.page.locator('dialog[open] svg').screenshot({ path: qr });
      assert.equal(decodeQr(qr), joinUrl, 'the QR code scans to the public join link');
      await fac.page.keyboard.press('Escape');
      await screenshot(fac.page, `${shot}-dashboard`);

      // Three participants join from the link the dashboard shows.
      const devices = [];
      for (const p of people) {
        const d = await recordedPerson(PHONE);
        await d.page.goto(joinUrl);
        await joinAs(d.page, p.name);
        devices.push(d);
      }
      await waitUntil('three people present on the roster', async () =>
        (await fac.page.locator('[data-testid=roster-entry][data-presence=present]').count()) === 3);

      // A round of the first exercise the dashboard offers: preview, launch, everyone's card.
      const exercise = fac.page.getByLabel('Exercise');
      const first = await exercise.evaluate((select) => [...select.options].find((o) => o.value && !o.disabled)?.value);
      assert.ok(first, 'the dashboard offers an exercise');
      await exercise.selectOption(first);
      await fac.page.getByRole('button', { name: 'Preview groups' }).click();
      await waitUntil('a preview of the groups', async () => (await fac.page.getByTestId('preview-group').count()) > 0);
      await fac.page.getByRole('button', { name: 'Launch round' }).click();
      await waitUntil('the round\'s groups running', async () => (await fac.page.getByTestId('group-card').count()) > 0);
      for (const [i, d] of devices.entries()) {
        const a = await readAssignment(d.page);
        assert.match(a.room, /^Room \d+$/, `${people[i].name} sees their room`);
      }
      await screenshot(devices[0].page, `${shot}-participant`);

      const broadcast = 'Two minutes left: finish the exchange, then swap roles.';
      await fac.page.getByLabel('Message to everyone').fill(broadcast);
      await fac.page.getByRole('button', { name: 'Send to everyone' }).click();
      for (const d of devices) await waitForText(d.page.getByTestId('broadcast'), broadcast);

      await fac.page.getByRole('button', { name: 'Open feedback' }).click();
      for (const [i, d] of devices.entries()) {
        await answerFeedback(d.page, people[i]);
        await d.page.getByRole('button', { name: 'Send feedback' }).click();
        await d.page.getByTestId('feedback-thanks').waitFor({ state: 'visible', timeout: 15_000 });
      }
      // Three are fewer than a batch: closing shows them (and ends everyone's page) through nginx.
      await fac.page.getByRole('button', { name: 'Close workshop' }).click();
      for (const d of devices) await d.page.getByTestId('ended').waitFor({ state: 'visible', timeout: 15_000 });
      await waitForText(fac.page.getByTestId('responses-count'), /^3\b/);
      await screenshot(fac.page, `${shot}-dashboard-feedback`);

      const everyone = [fac, ...devices];
      for (const d of everyone) assert.deepEqual(d.errors, [], 'no errors in the pages\' consoles');
      // Pages, scripts, styles, API calls and WebSockets: all at the public URL, under its prefix.
      const requested = everyone.flatMap((d) => d.requests).filter((u) => !/^(data|blob):/.test(u));
      const outside = requested.filter((u) => !u.startsWith(`${s.publicUrl}/`));
      assert.deepEqual(outside, [], `every request the pages made is under ${s.publicUrl}/`);
      const wsUrl = `wss://${HOST}:${s.httpsPort}${prefix}/ws?w=${w.code}`;
      for (const d of everyone) {
        assert.ok(d.sockets.length > 0, 'every page opened a WebSocket');
        assert.deepEqual([...new Set(d.sockets)], [wsUrl], 'the pages\' WebSockets go to the public URL');
      }

      // nginx logs a WebSocket when it closes: after the pages close, four upgrades through it.
      for (const d of everyone) await d.context.close();
      await waitUntil('nginx\'s access log to show the four pages\' WebSockets (101)', () =>
        s.nginx.requests().filter((r) => r.method === 'GET' && r.target === `${prefix}/ws?w=${w.code}` && r.status === 101).length >= 4);
      const opened = countLog(s.server, /websocket opened/);
      assert.ok(opened >= 4, `dyad-server logged ${opened} WebSockets opened (a line with "websocket opened") for the four pages`);
      const served = s.nginx.requests();
      assert.deepEqual(served.filter((r) => !r.target.startsWith(`${prefix}/`) || r.status >= 400), [],
        `nginx answered every request under ${prefix}/ without an error`);
    });

    test(`Browser.ThroughNginx: the server logs the address behind nginx, never a forged X-Forwarded-For (${label})`, async () => {
      const w = await createWorkshop(s, prefix);
      const host = `${HOST}:${s.httpsPort}`;
      const code = escape(w.code);
      const api = `${prefix}/api/workshops/${w.code}`;
      const ws = `${prefix}/ws?w=${w.code}`;
      // The server may log a path with its prefix or without: it serves both.
      const apiLine = new RegExp(`^http GET (${escape(prefix)})?/api/workshops/${code} `);
      const pageLine = new RegExp(`^http GET (${escape(prefix)})?/j/${code} `);
      const wsLine = /websocket opened/;
      const viaNginx = (path, headers = {}) =>
        ({ port: s.httpsPort, tls: true, path, localAddress: '127.0.0.9', headers: { Host: host, ...headers } });
      const straight = (path, headers = {}) =>
        ({ port: s.server.port, tls: false, path, localAddress: '127.0.0.10', headers: { Host: host, ...headers } });
      /** Sends one request, expects `status`, and the server's new log line for it to name `address`. */
      const check = async (what, options, status, lineRe, address) => {
        const seen = countLog(s.server, lineRe);
        const res = await send(options);
        assert.equal(res.status, status, `${what}: answered ${res.status} ${res.body}`);
        const line = await nextLogLine(s.server, what, lineRe, seen);
        assert.match(line, new RegExp(clientIs(address)), `${what}: the server's log should say client=${address}; it said: ${line}`);
      };

      // Plain HTTP on nginx's port 80 moves to HTTPS, path kept.
      const redirect = await send({ port: s.httpPort, tls: false, path: `${prefix}/j/${w.code}`, headers: { Host: HOST } });
      assert.equal(redirect.status, 301, 'port 80 redirects');
      assert.equal(redirect.headers.location, `https://${HOST}${prefix}/j/${w.code}`, 'to the same path over HTTPS');

      // Through nginx from 127.0.0.9: the participant's address, not nginx's.
      await check(`GET ${api} through nginx from 127.0.0.9`, viaNginx(api), 200, apiLine, '127.0.0.9');
      await check(`WebSocket ${ws} through nginx from 127.0.0.9`, viaNginx(ws, upgradeHeaders(s.origin)), 101, wsLine, '127.0.0.9');

      // Through nginx from 127.0.0.9, claiming to be someone else: nginx appends the real address,
      // and the server believes only what its trusted proxy vouches for.
      const forged = { 'X-Forwarded-For': '198.51.100.23' };
      await check(`GET ${prefix}/j/${w.code} through nginx from 127.0.0.9 claiming 198.51.100.23`,
        viaNginx(`${prefix}/j/${w.code}`, forged), 200, pageLine, '127.0.0.9');
      await check(`WebSocket ${ws} through nginx from 127.0.0.9 claiming 198.51.100.23`,
        viaNginx(ws, { ...forged, ...upgradeHeaders(s.origin) }), 101, wsLine, '127.0.0.9');

      // Straight to dyad-server from 127.0.0.10, not a trusted proxy: its X-Forwarded-For is ignored.
      const claimed = { 'X-Forwarded-For': '198.51.100.24' };
      await check(`GET ${api} straight to dyad-server from 127.0.0.10 claiming 198.51.100.24`,
        straight(api, claimed), 200, apiLine, '127.0.0.10');
      await check(`WebSocket ${ws} straight to dyad-server from 127.0.0.10 claiming 198.51.100.24`,
        straight(ws, { ...claimed, ...upgradeHeaders(s.origin) }), 101, wsLine, '127.0.0.10');

      const messages = logMessages(s.server);
      for (const claimed of ['198.51.100.23', '198.51.100.24']) {
        assert.deepEqual(messages.filter((m) => new RegExp(clientIs(claimed)).test(m)), [], `the log never names the claimed ${claimed} as the client`);
      }
    });
  });
}
