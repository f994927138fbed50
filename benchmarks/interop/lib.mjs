// Shared helpers of the node interop checks: free ports, `oauth-playground serve` as a child
// process (stopped with SIGTERM), and a tiny cookie jar for driving the login/consent forms.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const CLIENTS = path.join(HERE, 'seed-clients.json');
export const SEED_CLIENT_ID = 'c02d5bf5-993e-4c6a-a248-6c307cc7681b';

export function python() {
  if (process.env.PYTHON) return process.env.PYTHON;
  const venv = path.join(ROOT, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Start `oauth-playground serve`; resolves once the banner is printed. `log` collects stdout. */
export function startServe(args, { quiet = true } = {}) {
  const child = spawn(python(), ['-m', 'playground', 'serve', ...args], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${log.join('')}`)),
      20000);
    const onData = (chunk) => {
      const text = chunk.toString();
      log.push(text);
      if (!quiet) process.stdout.write(text);
      if (!ready && log.join('').includes('Press Ctrl-C to stop.')) {
        ready = true;
        clearTimeout(timer);
        resolve({
          child, log,
          text: () => log.join(''),
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code) => done(code));
            child.kill('SIGTERM');
          }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => log.push(chunk.toString()));
    child.once('exit', (code) => {
      if (!ready) { clearTimeout(timer); reject(new Error(`serve exited ${code}:\n${log.join('')}`)); }
    });
  });
}

/** A minimal cookie jar for fetch with redirect: 'manual' (name=value per cookie; no paths). */
export class CookieJar {
  constructor() { this.cookies = new Map(); }
  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name); else this.cookies.set(name, value);
    }
  }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
}

export function check(results, name, ok, detail = '') {
  results.push({ name, ok: Boolean(ok), detail });
  console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? `  (${detail})` : ''}`);
  return Boolean(ok);
}

/** Play the user: walk authorize → login (as `user`) → consent (Allow) through the JSON view of
 * the interaction (GET /interaction/{uid} with Accept: application/json, then POST its form
 * action); resolves to the callback URL that starts with `redirectPrefix`. */
export async function userAgent(authorizeUrl, redirectPrefix, user = 'alice') {
  const jar = new CookieJar();
  let url = authorizeUrl.href ?? String(authorizeUrl);
  for (let hop = 0; hop < 10; hop += 1) {
    if (url.startsWith(redirectPrefix)) return new URL(url);
    let res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(res);
    if (res.status >= 300 && res.status < 400) { url = new URL(res.headers.get('location'), url).href; continue; }
    res = await fetch(url, { headers: { cookie: jar.header(), accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`interaction ${url}: HTTP ${res.status} ${await res.text()}`);
    const view = await res.json();
    const form = view.prompt === 'login'
      ? { csrf: view.csrf, user }
      : { csrf: view.csrf, decision: 'allow' };
    res = await fetch(new URL(view.action, url), { method: 'POST', redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form) });
    jar.store(res);
    if (res.status !== 303) throw new Error(`${view.prompt}: HTTP ${res.status} ${await res.text()}`);
    url = new URL(res.headers.get('location'), url).href;
  }
  throw new Error('no redirect to the client');
}
