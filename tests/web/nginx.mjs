// Debian's nginx in front of a dyad-server, for the browser tests: the SHIPPED site
// (deploy/nginx/dyad.conf) with its placeholders replaced — server name, certificate, listen
// addresses, upstream, and `location /` → `location /dyad/` for a path prefix — and a
// self-signed certificate made with openssl. nginx runs as one foreground process (no master,
// no daemon) with everything it writes in a temporary folder, so it needs no root.
//
// Environment: DYAD_NGINX (default /usr/sbin/nginx), DYAD_NGINX_CONF (the site; default
// deploy/nginx/dyad.conf of this checkout).
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';

const nginxBinary = () => process.env.DYAD_NGINX || '/usr/sbin/nginx';
const siteFile = () => process.env.DYAD_NGINX_CONF || join(dirname(fileURLToPath(import.meta.url)), '../../deploy/nginx/dyad.conf');

/** `count` distinct free loopback ports: bound on port 0 together, then released for the caller. */
export async function freePorts(count) {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** A self-signed certificate for `name` in `dir`; answers its paths and SHA-256 fingerprint. */
export function makeCertificate(dir, name) {
  const certPath = join(dir, 'fullchain.pem');
  const keyPath = join(dir, 'privkey.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-addext', `subjectAltName=DNS:${name}`, '-keyout', keyPath, '-out', certPath], { encoding: 'utf8' });
  if (r.error) throw new Error(`openssl could not run (${r.error.message}); bash deploy/install-deps.sh --tests installs it.`);
  if (r.status !== 0) throw new Error(`openssl could not make a certificate (exit ${r.status}): ${r.stderr}`);
  return { certPath, keyPath, fingerprint256: new X509Certificate(readFileSync(certPath)).fingerprint256 };
}

/** Replaces one whole line of the site (its indentation kept); the line must be there exactly
 *  once, so a changed site fails here, saying which line, instead of testing something else. */
function replaceLine(text, line, replacement) {
  const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^([ \\t]*)${escaped}[ \\t]*$`, 'gm');
  const n = (text.match(re) ?? []).length;
  if (n !== 1) throw new Error(`deploy/nginx/dyad.conf has ${n} lines "${line}"; the test replaces exactly one (see tests/web/nginx.mjs).`);
  return text.replace(re, replacement === null ? '' : `$1${replacement}`);
}

/** The shipped site with its placeholders replaced: listening on loopback only, proxying to
 *  127.0.0.1:upstreamPort, and under `prefix` ("/dyad") when one is given. */
export function renderSite(text, { serverName, certPath, keyPath, httpPort, httpsPort, upstreamPort, prefix = '' }) {
  let site = text;
  site = replaceLine(site, 'server 127.0.0.1:8080;', `server 127.0.0.1:${upstreamPort};`);
  site = replaceLine(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
  site = replaceLine(site, 'listen [::]:80;', null);
  site = replaceLine(site, 'listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`);
  site = replaceLine(site, 'listen [::]:443 ssl http2;', null);
  site = replaceLine(site, 'ssl_certificate /etc/letsencrypt/live/dyad.example.org/fullchain.pem;', `ssl_certificate ${certPath};`);
  site = replaceLine(site, 'ssl_certificate_key /etc/letsencrypt/live/dyad.example.org/privkey.pem;', `ssl_certificate_key ${keyPath};`);
  if (prefix) site = replaceLine(site, 'location / {', `location ${prefix}/ {`);
  const names = site.match(/^[ \t]*server_name dyad\.example\.org;[ \t]*$/gm) ?? [];
  if (names.length !== 2) throw new Error(`deploy/nginx/dyad.conf has ${names.length} lines "server_name dyad.example.org;"; expected two (ports 80 and 443).`);
  return site.replace(/^([ \t]*)server_name dyad\.example\.org;/gm, `$1server_name ${serverName};`);
}

/** One nginx process serving the shipped site in front of a dyad-server. */
export class Nginx {
  /**
   * Starts nginx on 127.0.0.1:httpPort (plain, redirecting) and 127.0.0.1:httpsPort (TLS),
   * proxying to 127.0.0.1:upstreamPort; resolves once it answers TLS with its own certificate.
   * Rejects with `addressInUse` set when a port was taken meanwhile: pick new ones and retry.
   */
  static async start({ serverName, httpPort, httpsPort, upstreamPort, prefix = '' }) {
    const dir = mkdtempSync(join(tmpdir(), 'dyad-nginx-'));
    const cert = makeCertificate(dir, serverName);
    writeFileSync(join(dir, 'dyad.conf'), renderSite(readFileSync(siteFile(), 'utf8'),
      { serverName, ...cert, httpPort, httpsPort, upstreamPort, prefix }));
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((p) => `    ${p}_temp_path ${join(dir, p)};`).join('\n');
    writeFileSync(join(dir, 'nginx.conf'), `master_process off;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
    access_log ${join(dir, 'access.log')};
${temp}
    include ${join(dir, 'dyad.conf')};
}
`);
    const proc = spawn(nginxBinary(), ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d) => { output += d; });
    proc.stderr.on('data', (d) => { output += d; });
    const n = new Nginx();
    Object.assign(n, { proc, dir, httpPort, httpsPort, serverName, fingerprint256: cert.fingerprint256 });
    const exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.once('error', () => {});
    const failed = (why) => {
      const text = `${output}${n.errorLog()}`;
      const e = new Error(`nginx (${nginxBinary()}) ${why}; bash deploy/install-deps.sh --tests installs Debian's. Its output:\n${text}`);
      e.addressInUse = /Address already in use/.test(text);
      return e;
    };
    // Ready when the TLS port presents this certificate: a port taken by another program
    // would accept connections too, while nginx retries its bind for a few seconds and fails.
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        await exited;
        const e = failed(`exited with ${proc.exitCode ?? proc.signalCode}`);
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
      if (await n.#presentsCertificate()) return n;
      if (Date.now() > deadline) {
        const e = failed('did not answer TLS with its certificate within 15 s');
        await n.stop();
        throw e;
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 50))]);
    }
  }

  #presentsCertificate() {
    return new Promise((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: this.httpsPort, servername: this.serverName, rejectUnauthorized: false });
      socket.setTimeout(1000, () => { socket.destroy(); resolve(false); });
      socket.once('secureConnect', () => {
        const ok = socket.getPeerCertificate().fingerprint256 === this.fingerprint256;
        socket.destroy();
        resolve(ok);
      });
      socket.once('error', () => resolve(false));
    });
  }

  errorLog() {
    try { return readFileSync(join(this.dir, 'error.log'), 'utf8'); } catch { return ''; }
  }

  /** nginx's access log as written so far. nginx logs a request when it ends: a WebSocket when
   *  its connection closes. */
  accessLog() {
    try { return readFileSync(join(this.dir, 'access.log'), 'utf8'); } catch { return ''; }
  }

  /** The requests in the access log (nginx's "combined" format): {method, target, status}. */
  requests() {
    return this.accessLog().split('\n').map((line) => /"(\S+) (\S+) HTTP\/[\d.]+" (\d{3}) /.exec(line))
      .filter(Boolean).map((m) => ({ method: m[1], target: m[2], status: Number(m[3]) }));
  }

  async stop() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
