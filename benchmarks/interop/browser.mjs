// A real browser (Debian chromium, driven by playwright-core; no browser download) runs the
// seed's own JavaScript (seed/*.js, copied verbatim from seeds/auth_code_pkce.md) against
// `oauth-playground serve --issuer http://auth.server.com`. The client's pages are served at
// http://client.server.com by this script; chromium maps both host names to loopback ports.
//
//   node benchmarks/interop/browser.mjs            # all three scenarios; exit 0 when all pass
//   node benchmarks/interop/browser.mjs compat     # one of: strict, compat, rfc
//   HAR_DIR=/tmp/har node benchmarks/interop/browser.mjs compat   # and Chromium's own HAR of it
//
// Scenarios:
//   strict  the seed's code as written, server strict: the authorize request must come back to
//           /callback as error=invalid_request (with state and iss), explaining RFC 7636's S256.
//   compat  the seed's code as written, `serve --compat seed`: sign in and Allow through the real
//           HTML forms, /callback runs the seed's fetch (JSON body, CORS preflight) → tokens.
//   rfc     RFC-correct browser code (S256, BASE64URL, redirect_uri, nonce, form body), strict
//           server: tokens, id_token verified against the JWKS, UserInfo (CORS), refresh.
//   spa     the oidc-client-ts SPA library (npm) in the page, strict server: discovery and
//           everything after it from the browser (CORS), signinRedirect → callback → UserInfo →
//           signinSilent (refresh_token grant).
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as jose from 'jose';
import { chromium } from 'playwright-core';
import { CLIENTS, HERE, ROOT, SEED_CLIENT_ID, check, freePort, startServe } from './lib.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ISSUER = 'http://auth.server.com';
const CLIENT_ORIGIN = 'http://client.server.com';
const SHOTS = path.join(ROOT, 'benchmarks', '.work', 'interop');
const seed = (name) => readFileSync(path.join(HERE, 'seed', name), 'utf8');

// Every substitution made in the seed's code, each one the seed itself asks for.
const SEED_START = seed('start.js').replace("'RANDOM_GENERATED_STRING'", 'harnessVerifier');
const SEED_CALLBACK = seed('callback.js')
  .replace("'AUTH_CODE'", "new URLSearchParams(window.location.search).get('code')")
  .replace("'STATE';", "new URLSearchParams(window.location.search).get('state');");

const HARNESS_START = `
// Harness, not the seed's code: a real random verifier (64 hex characters), and the "custom
// sha256 implementation ... using window.crypto.subtle" the seed asks for. subtle.digest is
// asynchronous while the seed calls sha256() synchronously, so the digest is computed first and
// sha256() returns it as a binary string (what window.btoa takes). Then the seed's code runs.
const harnessDigests = new Map();
function sha256(text) {
  if (!harnessDigests.has(text)) throw new Error('sha256: digest not prepared');
  return harnessDigests.get(text);
}
let harnessVerifier;
(async () => {
  const bytes = window.crypto.getRandomValues(new Uint8Array(32));
  harnessVerifier = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const digest = await window.crypto.subtle.digest('SHA-256',
    new TextEncoder().encode(harnessVerifier));
  harnessDigests.set(harnessVerifier, String.fromCharCode(...new Uint8Array(digest)));
  const seedStart = document.createElement('script');
  seedStart.textContent = document.getElementById('seed-start').textContent;
  document.body.appendChild(seedStart);   // the seed's code, run as written
})();
`;

const RFC_START = `
// RFC-correct browser code (not the seed's): RFC 7636 S256 with BASE64URL (no padding), the
// redirect_uri sent, a nonce, state from the CSPRNG.
const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
  .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
(async () => {
  const verifier = b64url(window.crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(await window.crypto.subtle.digest('SHA-256',
    new TextEncoder().encode(verifier)));
  const state = b64url(window.crypto.getRandomValues(new Uint8Array(16)));
  const nonce = b64url(window.crypto.getRandomValues(new Uint8Array(16)));
  localStorage.setItem('mode', 'rfc');
  localStorage.setItem('state', state);
  localStorage.setItem('verifier', verifier);
  localStorage.setItem('nonce', nonce);
  const url = new URL('${ISSUER}/oauth2/authorize');
  url.searchParams.set('client_id', client.id);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', '${CLIENT_ORIGIN}/callback');
  url.searchParams.set('scope', 'openid email profile offline_access');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('code_challenge', challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  window.location.href = url.toString();
})();
`;

const SPA_SETTINGS = `{
  authority: '${ISSUER}', client_id: client.id, redirect_uri: '${CLIENT_ORIGIN}/callback',
  response_type: 'code', scope: 'openid email profile offline_access', loadUserInfo: true,
  userStore: new oidc.WebStorageStateStore({ store: window.localStorage }),
}`;

const SPA_START = `
localStorage.setItem('mode', 'spa');
new oidc.UserManager(${SPA_SETTINGS}).signinRedirect({ state: { from: 'spa' } })
  .catch((err) => { document.title = 'error: ' + err; window.spaError = String(err); });
`;

const SPA_CALLBACK = `
(async () => {
  const manager = new oidc.UserManager(${SPA_SETTINGS});
  const user = await manager.signinRedirectCallback();
  harness.spa = { sub: user.profile.sub, email: user.profile.email, scope: user.scope,
                  idToken: user.id_token, hasRefresh: Boolean(user.refresh_token) };
  const renewed = await manager.signinSilent();   // refresh_token grant when a refresh token exists
  harness.spa.renewed = renewed.access_token !== user.access_token;
  harness.spa.rotated = renewed.refresh_token !== user.refresh_token;
  harness.done = true;
})().catch((err) => { harness.pageError = String(err && err.message || err); });
`;

const HARNESS_CALLBACK = `
// Harness, not the seed's code: record what came back and what fetch() saw, for the checker.
window.harness = { query: Object.fromEntries(new URLSearchParams(window.location.search)),
                   mode: localStorage.getItem('mode') || 'seed', calls: [] };
window.addEventListener('error', (e) => { harness.pageError = String(e.message); });
window.addEventListener('unhandledrejection', (e) => { harness.pageError = String(e.reason); });
const harnessFetch = window.fetch.bind(window);
window.fetch = async (input, init) => {
  const call = { url: String(input), method: (init && init.method) || 'GET',
                 headers: (init && init.headers) || {} };
  harness.calls.push(call);
  try {
    const res = await harnessFetch(input, init);
    call.status = res.status;
    call.body = await res.clone().json().catch(() => null);
    return res;
  } catch (err) {
    call.error = String(err);   // a CORS failure lands here (TypeError: Failed to fetch)
    throw err;
  }
};
`;

const RFC_CALLBACK = `
(async () => {
  const q = new URLSearchParams(window.location.search);
  if (q.get('state') !== localStorage.getItem('state')) throw new Error('State mismatch');
  if (q.get('iss') !== '${ISSUER}') throw new Error('iss mismatch (RFC 9207)');
  const tokens = await (await fetch('${ISSUER}/oauth2/token', { method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', code: q.get('code'),
      redirect_uri: '${CLIENT_ORIGIN}/callback', client_id: client.id,
      code_verifier: localStorage.getItem('verifier') }) })).json();
  await fetch('${ISSUER}/oauth2/userinfo',
    { headers: { Authorization: 'Bearer ' + tokens.access_token } });
  await fetch('${ISSUER}/oauth2/token', { method: 'POST', body: new URLSearchParams({
    grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: client.id }) });
  harness.done = true;
})().catch((err) => { harness.pageError = String(err); });
`;

function page(title, body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>`
    + `<body><h1>${title}</h1>${body}</body></html>`;
}

function clientSite(port) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, CLIENT_ORIGIN);
    const send = (html) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(html);
    };
    if (req.headers.host !== 'client.server.com') {
      res.writeHead(421); res.end('wrong host'); return;
    }
    if (url.pathname === '/') {
      send(page('Seed client (the seed\'s code)',
        `<script type="text/plain" id="seed-start">${SEED_START}</script>`
        + `<script>${seed('client.js')}</script><script>${HARNESS_START}</script>`));
    } else if (url.pathname === '/rfc') {
      send(page('RFC-correct client', `<script>${seed('client.js')}</script><script>${RFC_START}</script>`));
    } else if (url.pathname === '/callback') {
      const rfc = `if (harness.mode === 'rfc' && harness.query.code) {${RFC_CALLBACK}}`
        + ` else if (harness.mode === 'spa') {${SPA_CALLBACK}}`
        + ` else if (!harness.query.code) { harness.done = true; }`;
      const seedCode = 'if (harness.mode === \'seed\' && harness.query.code) {'
        + 'const s = document.createElement(\'script\');'
        + 's.textContent = document.getElementById(\'seed-callback\').textContent;'
        + 'document.body.appendChild(s); }';
      send(page('Callback', `<pre id="out"></pre><script>${seed('client.js')}</script>`
        + '<script src="/oidc-client-ts.js"></script>'
        + `<script>${HARNESS_CALLBACK}</script>`
        + `<script type="text/plain" id="seed-callback">${SEED_CALLBACK}</script>`
        + `<script>${rfc}\n${seedCode}</script>`));
    } else if (url.pathname === '/spa') {
      send(page('oidc-client-ts SPA', `<script>${seed('client.js')}</script>`
        + `<script src="/oidc-client-ts.js"></script><script>${SPA_START}</script>`));
    } else if (url.pathname === '/oidc-client-ts.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end(readFileSync(path.join(HERE, 'node_modules/oidc-client-ts/dist/browser/oidc-client-ts.js')));
    } else if (url.pathname === '/favicon.ico') {
      res.writeHead(204); res.end();
    } else {
      res.writeHead(404); res.end();
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

function getWithHost(port, pathname) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, headers: { Host: 'auth.server.com' } },
      (res) => {
        let data = '';
        res.on('data', (c) => { data += c; });
        res.on('end', () => resolve(JSON.parse(data)));
      }).on('error', reject);
  });
}

async function launch(clientPort, authPort, name) {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'interop-chromium-'));
  // HAR_DIR=dir: Chromium records the scenario as <dir>/<name>.har (HAR 1.2, as devtools saves it).
  const recordHar = process.env.HAR_DIR
    ? { recordHar: { path: path.join(process.env.HAR_DIR, `${name}.har`) } } : {};
  const context = await chromium.launchPersistentContext(profile, {
    ...recordHar,
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--host-resolver-rules=MAP client.server.com 127.0.0.1:${clientPort}, `
        + `MAP auth.server.com 127.0.0.1:${authPort}, EXCLUDE localhost`,
      // window.crypto.subtle exists only in secure contexts; the seed's client is plain http.
      `--unsafely-treat-insecure-origin-as-secure=${CLIENT_ORIGIN}`,
    ],
  });
  return { context, close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); } };
}

async function waitForHarness(pg) {
  await pg.waitForURL(/client\.server\.com\/callback/, { timeout: 15000 });
  await pg.waitForFunction(() => window.harness && (window.harness.done || window.harness.pageError
    || window.harness.calls.some((c) => c.status || c.error)), null, { timeout: 15000 });
  await pg.waitForTimeout(300);
  return pg.evaluate(() => window.harness);
}

async function signInAndAllow(pg, results, name) {
  await pg.waitForURL(/auth\.server\.com\/interaction\//, { timeout: 15000 });
  await pg.getByText('Alice Example').click();
  await pg.screenshot({ path: path.join(SHOTS, `${name}-login.png`) });
  await pg.getByRole('button', { name: 'Sign in' }).click();
  await pg.getByRole('button', { name: 'Allow' }).waitFor({ timeout: 10000 });
  check(results, 'consent page lists the client and each scope',
    (await pg.content()).includes(SEED_CLIENT_ID) && (await pg.locator('input[name=scope]').count()) === 4);
  await pg.screenshot({ path: path.join(SHOTS, `${name}-consent.png`) });
  await pg.getByRole('button', { name: 'Allow' }).click();
}

async function verifyIdToken(authPort, idToken, expect) {
  const jwks = jose.createLocalJWKSet(await getWithHost(authPort, '/oauth2/jwks'));
  const { payload, protectedHeader } = await jose.jwtVerify(idToken, jwks,
    { issuer: ISSUER, audience: SEED_CLIENT_ID });
  if (expect.nonce !== undefined && payload.nonce !== expect.nonce) throw new Error('nonce mismatch');
  return { payload, protectedHeader };
}

async function scenario(name, serveArgs, startPath, verify) {
  console.log(`\n== ${name}: serve ${serveArgs.join(' ')}; browser opens ${CLIENT_ORIGIN}${startPath}`);
  const results = [];
  const [clientPort, authPort] = [await freePort(), await freePort()];
  const serve = await startServe(['--issuer', ISSUER, '--port', String(authPort),
    '--clients', CLIENTS, ...serveArgs]);
  const site = await clientSite(clientPort);
  const browser = await launch(clientPort, authPort, name);
  try {
    const pg = browser.context.pages()[0] || await browser.context.newPage();
    const visited = [];
    pg.on('request', (request) => { if (request.isNavigationRequest()) visited.push(request.url()); });
    if (process.env.DEBUG) {
      pg.on('console', (m) => console.log(`    console: ${m.text()}`));
      pg.on('pageerror', (e) => console.log(`    pageerror: ${e}`));
      pg.on('framenavigated', (f) => { if (f === pg.mainFrame()) console.log(`    -> ${f.url()}`); });
    }
    await pg.goto(`${CLIENT_ORIGIN}${startPath}`);
    await verify({ pg, results, authPort, visited, serve });
  } catch (err) {
    check(results, 'scenario ran to the end', false, String(err).split('\n')[0]);
  } finally {
    await browser.close();
    site.close();
    const code = await serve.stop();
    check(results, 'serve exits 0 on SIGTERM', code === 0, `exit ${code}`);
    writeFileSync(path.join(SHOTS, `${name}-serve.log`), serve.text());
  }
  return results;
}

const SCENARIOS = {
  async strict() {
    return scenario('strict', [], '/', async ({ pg, results, visited }) => {
      const h = await waitForHarness(pg);
      const authorize = visited.find((u) => u.includes('/oauth2/authorize')) || '';
      const sent = new URL(authorize || 'http://x/').searchParams;
      check(results, "the seed's request carries code_challenge_method=SHA-256 and a btoa challenge",
        sent.get('code_challenge_method') === 'SHA-256' && /^[A-Za-z0-9+/]{43}=$/.test(sent.get('code_challenge') || ''),
        sent.get('code_challenge') || 'no authorize URL seen');
      check(results, 'redirected to /callback with error=invalid_request', h.query.error === 'invalid_request',
        JSON.stringify(h.query.error));
      check(results, 'error_description says what RFC 7636 expects',
        /S256/.test(h.query.error_description || '') && /RFC 7636/.test(h.query.error_description || '')
        && /BASE64URL/.test(h.query.error_description || ''),
        h.query.error_description);
      check(results, 'state is echoed', h.query.state === 'somesecretstatethatshouldmatch', h.query.state);
      check(results, 'iss is the issuer (RFC 9207)', h.query.iss === ISSUER, h.query.iss);
      check(results, 'no code was issued', !('code' in h.query));
      await pg.screenshot({ path: path.join(SHOTS, 'strict-callback.png') });
    });
  },

  async compat() {
    return scenario('compat', ['--compat', 'seed'], '/', async ({ pg, results, authPort, serve }) => {
      await signInAndAllow(pg, results, 'compat');
      const h = await waitForHarness(pg);
      check(results, 'callback has code, state and iss',
        h.query.code && h.query.state === 'somesecretstatethatshouldmatch' && h.query.iss === ISSUER,
        Object.keys(h.query).join(', '));
      const call = h.calls[0] || {};
      check(results, "the seed's fetch sent Content-type: application/json",
        call.headers && call.headers['Content-type'] === 'application/json');
      check(results, "the seed's fetch succeeded (CORS preflight and response allowed)",
        call.status === 200 && !call.error, call.error || `HTTP ${call.status}`);
      const body = call.body || {};
      check(results, 'payload has access_token, refresh_token and id_token',
        body.access_token && body.refresh_token && body.id_token, Object.keys(body).join(', '));
      check(results, 'no page error', !h.pageError, h.pageError);
      if (body.id_token) {
        const { payload, protectedHeader } = await verifyIdToken(authPort, body.id_token, {});
        check(results, 'id_token verifies against the JWKS (jose)', payload.sub === 'alice',
          `${protectedHeader.alg} kid=${protectedHeader.kid} sub=${payload.sub}`);
      }
      const log = serve.text();
      check(results, 'serve logged the CORS preflight from the seed origin',
        /OPTIONS \/oauth2\/token 204 .*CORS preflight allowed for http:\/\/client\.server\.com/.test(log));
      check(results, 'serve recorded the compat-seed warnings',
        log.includes("'SHA-256' is not defined") || log.includes('compat seed'));
      await pg.screenshot({ path: path.join(SHOTS, 'compat-callback.png') });
    });
  },

  async rfc() {
    return scenario('rfc', [], '/rfc', async ({ pg, results, authPort }) => {
      await signInAndAllow(pg, results, 'rfc');
      const h = await waitForHarness(pg);
      check(results, 'no page error (state and iss checked in the page)', !h.pageError, h.pageError);
      const [token, userinfo, refresh] = h.calls;
      check(results, 'token request (form body, no preflight needed) → 200',
        token && token.status === 200 && token.body.id_token && token.body.refresh_token,
        token && (token.error || `HTTP ${token.status}`));
      check(results, 'UserInfo with Bearer (CORS preflight for Authorization) → 200',
        userinfo && userinfo.status === 200 && userinfo.body.sub === 'alice',
        userinfo && (userinfo.error || JSON.stringify(userinfo.body)));
      check(results, 'refresh_token grant → 200 with a rotated refresh token',
        refresh && refresh.status === 200 && refresh.body.refresh_token
        && refresh.body.refresh_token !== token.body.refresh_token,
        refresh && (refresh.error || `HTTP ${refresh.status}`));
      if (token && token.body && token.body.id_token) {
        const nonce = await pg.evaluate(() => localStorage.getItem('nonce'));
        const { payload } = await verifyIdToken(authPort, token.body.id_token, { nonce });
        check(results, 'id_token verifies (jose): signature, iss, aud, exp, nonce',
          payload.nonce === nonce, `sub=${payload.sub} nonce ok`);
      }
    });
  },
};

/** seed/*.js must be the seed's three code blocks, byte for byte (when the seed is at hand). */
function seedIsVerbatim() {
  const file = process.env.SEED_FILE || path.join(ROOT, '..', 'shared', 'seeds', 'auth_code_pkce.md');
  if (!existsSync(file)) return null;
  const blocks = [...readFileSync(file, 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  return ['client.js', 'start.js', 'callback.js'].every((name, i) => blocks[i] === seed(name));
}

const SPA = {
  async spa() {
    return scenario('spa', [], '/spa', async ({ pg, results, authPort }) => {
      await signInAndAllow(pg, results, 'spa');
      const h = await waitForHarness(pg);
      await pg.waitForFunction(() => window.harness.done || window.harness.pageError, null,
        { timeout: 15000 });
      const done = await pg.evaluate(() => window.harness);
      const spa = done.spa || {};
      check(results, 'signinRedirectCallback: tokens, state, id_token claims, UserInfo (CORS)',
        !done.pageError && spa.sub === 'alice' && spa.email === 'alice@example.com',
        done.pageError || `sub=${spa.sub} email=${spa.email} scope=${spa.scope}`);
      check(results, 'a refresh token was issued (offline_access)', spa.hasRefresh);
      check(results, 'signinSilent → refresh_token grant, rotated', spa.renewed && spa.rotated,
        `renewed=${spa.renewed} rotated=${spa.rotated}`);
      check(results, 'callback carried iss (RFC 9207)', h.query.iss === ISSUER, h.query.iss);
      if (spa.idToken) {
        const { payload } = await verifyIdToken(authPort, spa.idToken, {});
        check(results, 'id_token verifies (jose)', payload.sub === 'alice', `aud=${payload.aud}`);
      }
    });
  },
};
Object.assign(SCENARIOS, SPA);

mkdirSync(SHOTS, { recursive: true });
const verbatim = seedIsVerbatim();
console.log(verbatim === null ? 'seed file not found: seed/*.js not compared'
  : `seed/*.js ${verbatim ? 'are' : 'are NOT'} the seed's code blocks verbatim`);
if (verbatim === false) process.exit(1);
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SCENARIOS);
let failed = 0;
let total = 0;
for (const name of wanted) {
  if (!SCENARIOS[name]) { console.error(`unknown scenario ${name}`); process.exit(2); }
  const results = await SCENARIOS[name]();
  total += results.length;
  failed += results.filter((r) => !r.ok).length;
}
console.log(`\nbrowser: ${total - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
