// node openid-client (v6, on oauth4webapi) against the hardening features of
// `oauth-playground serve` (README "Modern hardening"), with the built-in demo clients:
//   playground-fapi — private_key_jwt (ES256, the bundled demo key), PAR required, DPoP-bound:
//     PrivateKeyJwt + buildAuthorizationUrlWithPAR + getDPoPHandle (a fresh ES256 key), the code
//     flow with PKCE to DPoP tokens (token_type DPoP, cnf.jkt = the key's thumbprint), the
//     PS256 id_token's signature, fetchUserInfo with DPoP (and the same token as Bearer refused),
//     a refresh with DPoP, client_credentials with DPoP;
//   playground-jwt — ClientSecretJwt (HS256) client_credentials.
//
//   node benchmarks/interop/openid_client_hardening.mjs [ISSUER]
// Without ISSUER it starts `serve` (built-in clients) on a free port; exit 1 on any failure.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as jose from 'jose';
import * as client from 'openid-client';
import { HERE, ROOT, check, freePort, startServe, userAgent } from './lib.mjs';

const FAPI = 'playground-fapi';
const JWT_CLIENT = 'playground-jwt';
const REDIRECT = 'http://127.0.0.1:53412/callback';   // loopback: any port (RFC 8252 §7.3)
const SCOPE = 'openid email profile offline_access api:read';
const version = JSON.parse(readFileSync(path.join(HERE, 'node_modules/openid-client/package.json'))).version;
const seedClients = JSON.parse(readFileSync(path.join(ROOT, 'playground/assets/server/clients.json')));
const JWT_SECRET = seedClients.find((c) => c.id === JWT_CLIENT).secret;
const insecure = { execute: [client.allowInsecureRequests] };

const describe = (err) => [err.name, err.code, err.error, err.error_description || err.message,
  err.cause && !(err.cause instanceof Error) ? JSON.stringify(err.cause).slice(0, 300) : '']
  .filter(Boolean).join(' ');

/** Run `fn`; a thrown error becomes a FAIL of `name`. Resolves to fn's value or undefined. */
async function attempt(results, name, fn) {
  try { return await fn(); } catch (err) { check(results, name, false, describe(err)); return undefined; }
}

/** The payload of a JWT access token, or null when the token is opaque. */
function jwtPayload(token) {
  try { return jose.decodeJwt(token); } catch { return null; }
}

async function fapi(results, issuer) {
  console.log(`-- ${FAPI}: private_key_jwt (ES256), PAR, DPoP, PS256 id_token`);
  const jwk = JSON.parse(readFileSync(path.join(ROOT, 'playground/assets/client-keys/playground-fapi.jwk')));
  const privateKey = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' },
    false, ['sign']);
  const auth = client.PrivateKeyJwt({ key: privateKey, kid: jwk.kid });
  const config = await client.discovery(new URL(issuer), FAPI,
    { id_token_signed_response_alg: 'PS256' }, auth, insecure);
  client.enableNonRepudiationChecks(config);
  // oauth4webapi lower-cases token_type; keep the token endpoint's raw answers to check the wire
  const rawTokenTypes = [];
  config[client.customFetch] = async (url, options) => {
    const res = await fetch(url, options);
    if (String(url).endsWith('/oauth2/token') && res.ok) {
      rawTokenTypes.push((await res.clone().json()).token_type);
    }
    return res;
  };
  const meta = config.serverMetadata();
  check(results, 'discovery: PAR endpoint, private_key_jwt, DPoP ES256 advertised',
    meta.pushed_authorization_request_endpoint
    && meta.token_endpoint_auth_methods_supported?.includes('private_key_jwt')
    && meta.dpop_signing_alg_values_supported?.includes('ES256'),
    `par=${meta.pushed_authorization_request_endpoint}; dpop=${meta.dpop_signing_alg_values_supported}`);

  const keyPair = await client.randomDPoPKeyPair('ES256');
  const jkt = await jose.calculateJwkThumbprint(await jose.exportJWK(keyPair.publicKey));
  const DPoP = client.getDPoPHandle(config, keyPair);

  // a plain (not pushed) request from a PAR-only client is refused at the authorize endpoint
  const plain = client.buildAuthorizationUrl(config, { scope: SCOPE, redirect_uri: REDIRECT,
    state: client.randomState(), code_challenge_method: 'S256',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()) });
  const plainRes = await fetch(plain, { redirect: 'manual' });
  const plainLoc = plainRes.headers.get('location');
  const plainErr = plainLoc ? new URL(plainLoc, issuer).searchParams.get('error') : null;
  check(results, 'strict: a plain authorize request from a PAR-only client is refused (RFC 9126 §5)',
    plainErr === 'invalid_request' || (plainRes.status === 400 && !plainLoc),
    plainLoc ? `${plainRes.status} → error=${plainErr}` : `HTTP ${plainRes.status}`);

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const parUrl = await attempt(results, 'buildAuthorizationUrlWithPAR (PrivateKeyJwt, DPoP)', () =>
    client.buildAuthorizationUrlWithPAR(config, { scope: SCOPE, redirect_uri: REDIRECT, state,
      nonce, code_challenge_method: 'S256', code_challenge: challenge }, { DPoP }));
  if (!parUrl) return;
  const requestUri = parUrl.searchParams.get('request_uri') || '';
  check(results, 'PAR → authorize URL with client_id + request_uri only',
    requestUri.startsWith('urn:ietf:params:oauth:request_uri:')
    && [...parUrl.searchParams.keys()].sort().join(',') === 'client_id,request_uri',
    [...parUrl.searchParams.keys()].join(', '));

  const callback = await attempt(results, 'login + consent as alice', () => userAgent(parUrl, REDIRECT));
  if (!callback) return;
  check(results, 'callback has code, state and iss', callback.searchParams.get('code')
    && callback.searchParams.get('state') === state && callback.searchParams.get('iss') === issuer);

  const tokens = await attempt(results, 'authorizationCodeGrant (PKCE, PrivateKeyJwt, DPoP)', () =>
    client.authorizationCodeGrant(config, callback,
      { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
      undefined, { DPoP }));
  if (!tokens) return;
  check(results, 'authorizationCodeGrant: tokens + PS256 id_token signature, nonce, at_hash',
    tokens.access_token && tokens.id_token && jose.decodeProtectedHeader(tokens.id_token).alg === 'PS256',
    `id_token alg=${jose.decodeProtectedHeader(tokens.id_token).alg}; sub=${tokens.claims()?.sub}`);
  check(results, 'token_type is DPoP (RFC 9449 §5)',
    /^dpop$/i.test(tokens.token_type) && rawTokenTypes.at(-1) === 'DPoP',
    `on the wire "${rawTokenTypes.at(-1)}", openid-client "${tokens.token_type}"`);
  const at = jwtPayload(tokens.access_token);
  check(results, "access token's cnf.jkt is the DPoP key's thumbprint (RFC 9449 §6)",
    at ? at.cnf?.jkt === jkt : true, at ? `cnf.jkt=${at.cnf?.jkt}` : 'opaque token: not checked');
  check(results, 'refresh token issued (offline_access)', Boolean(tokens.refresh_token));
  const sub = tokens.claims().sub;

  const info = await attempt(results, 'fetchUserInfo with DPoP (ath)', () =>
    client.fetchUserInfo(config, tokens.access_token, sub, { DPoP }));
  if (info) check(results, 'fetchUserInfo with DPoP (ath), subject check', info.sub === sub, info.email);
  const bearer = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  const challengeHeader = bearer.headers.get('www-authenticate') || '';
  check(results, 'strict: the DPoP-bound token sent as Bearer is refused at UserInfo',
    bearer.status === 401 && /DPoP/i.test(challengeHeader), `${bearer.status} ${challengeHeader}`);

  if (tokens.refresh_token) {
    const refreshed = await attempt(results, 'refreshTokenGrant with DPoP', () =>
      client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP }));
    if (refreshed) {
      const rat = jwtPayload(refreshed.access_token);
      check(results, 'refreshTokenGrant with DPoP → DPoP token, same key',
        /^dpop$/i.test(refreshed.token_type) && (rat ? rat.cnf?.jkt === jkt : true),
        `token_type=${refreshed.token_type}; refresh token ${refreshed.refresh_token
          && refreshed.refresh_token !== tokens.refresh_token ? 'rotated' : 'kept'}`);
    }
  }

  const cc = await attempt(results, 'clientCredentialsGrant with DPoP (PrivateKeyJwt)', () =>
    client.clientCredentialsGrant(config, { scope: 'api:read' }, { DPoP }));
  if (cc) {
    const cat = jwtPayload(cc.access_token);
    check(results, 'clientCredentialsGrant with DPoP → DPoP token for api:read',
      /^dpop$/i.test(cc.token_type) && cc.scope === 'api:read' && (cat ? cat.cnf?.jkt === jkt : true),
      `token_type=${cc.token_type}; scope=${cc.scope}`);
  }
  try {
    await client.clientCredentialsGrant(config, { scope: 'api:read' });
    check(results, 'strict: client_credentials without DPoP refused for a dpopBound client', false, 'accepted');
  } catch (err) {
    check(results, 'strict: client_credentials without DPoP refused for a dpopBound client',
      err.error === 'invalid_dpop_proof', describe(err));
  }
}

async function jwtClient(results, issuer) {
  console.log(`-- ${JWT_CLIENT}: client_secret_jwt (HS256)`);
  const config = await client.discovery(new URL(issuer), JWT_CLIENT, undefined,
    client.ClientSecretJwt(JWT_SECRET), insecure);
  const cc = await attempt(results, 'clientCredentialsGrant (ClientSecretJwt)', () =>
    client.clientCredentialsGrant(config, { scope: 'api:read' }));
  if (cc) {
    check(results, 'clientCredentialsGrant (ClientSecretJwt) → Bearer token for api:read',
      /^bearer$/i.test(cc.token_type) && cc.scope === 'api:read', `token_type=${cc.token_type}; scope=${cc.scope}`);
  }
  const wrong = await client.discovery(new URL(issuer), JWT_CLIENT, undefined,
    client.ClientSecretJwt(`${JWT_SECRET}-wrong`), insecure);
  try {
    await client.clientCredentialsGrant(wrong, { scope: 'api:read' });
    check(results, 'strict: an assertion signed with the wrong secret is refused', false, 'accepted');
  } catch (err) {
    check(results, 'strict: an assertion signed with the wrong secret is refused',
      err.error === 'invalid_client', describe(err));
  }
}

const results = [];
console.log(`\n== openid-client ${version} against the hardening of oauth-playground serve`);
let serve = null;
let issuer = process.argv[2];
if (!issuer) {
  const port = await freePort();
  serve = await startServe(['--port', String(port)]);
  issuer = `http://127.0.0.1:${port}`;
}
try {
  await attempt(results, `${FAPI} flow`, () => fapi(results, issuer));
  await attempt(results, `${JWT_CLIENT} flow`, () => jwtClient(results, issuer));
} finally {
  if (serve) {
    const code = await serve.stop();
    check(results, 'serve exits 0 on SIGTERM', code === 0, `exit ${code}`);
    check(results, 'serve logged no 500', !/ 500 \[/.test(serve.text()));
  }
}
const failed = results.filter((r) => !r.ok).length;
console.log(`\nopenid-client hardening: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
