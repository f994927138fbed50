// node openid-client (v6, on oauth4webapi) against `oauth-playground serve`: discovery,
// authorization code + PKCE S256, the callback with state, nonce and RFC 9207 `iss` checks,
// id_token claims and (with enableNonRepudiationChecks) its signature against the JWKS,
// UserInfo with the subject check, refresh, introspection and revocation. The login and consent
// are driven through the JSON interaction contract of docs/architecture.md (GET
// /interaction/{uid} with Accept: application/json, then POST its form actions).
//
//   node benchmarks/interop/openid_client_check.mjs      # exit 0 when everything passes
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as client from 'openid-client';
import { HERE, SEED_CLIENT_ID, check, freePort, startServe, userAgent } from './lib.mjs';

const SCOPE = 'openid email profile offline_access';
const WEB = { id: 'interop-web', secret: 'interop-web-secret-5d0b7c2e9a4f41c8b6e3a1f7d2c9e8b4',
  redirect: 'http://localhost:8080/callback' };
const version = JSON.parse(readFileSync(path.join(HERE, 'node_modules/openid-client/package.json'))).version;

async function flow(results, issuer, label, { clientId, redirectUri, auth, sendRedirectUri = true,
  publicClient = true }) {
  console.log(`-- ${label}`);
  const config = await client.discovery(new URL(issuer), clientId, undefined, auth,
    { execute: [client.allowInsecureRequests] });
  client.enableNonRepudiationChecks(config);   // verify the id_token signature with the JWKS
  const meta = config.serverMetadata();
  check(results, 'discovery: issuer, S256, iss parameter supported',
    meta.issuer === issuer && meta.code_challenge_methods_supported.includes('S256')
    && meta.authorization_response_iss_parameter_supported === true);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const params = { scope: SCOPE, state, nonce, code_challenge_method: 'S256',
    code_challenge: await client.calculatePKCECodeChallenge(verifier) };
  if (sendRedirectUri) params.redirect_uri = redirectUri;
  const callback = await userAgent(client.buildAuthorizationUrl(config, params), redirectUri);
  check(results, 'callback has code, state and iss', callback.searchParams.get('code')
    && callback.searchParams.get('iss') === issuer, [...callback.searchParams.keys()].join(', '));
  let tokens;
  try {
    tokens = await client.authorizationCodeGrant(config, callback,
      { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
    );
    check(results, 'authorizationCodeGrant: state, iss, PKCE, id_token claims + signature, at_hash',
      tokens.access_token && tokens.id_token, `sub=${tokens.claims().sub}`);
  } catch (err) {
    check(results, 'authorizationCodeGrant: state, iss, PKCE, id_token claims + signature, at_hash',
      false, `${err.code || ''} ${err.message} ${err.cause ? JSON.stringify(err.cause).slice(0, 300) : ''}`);
    return;
  }
  const claims = tokens.claims();
  check(results, 'id_token: iss, aud, azp, nonce, auth_time',
    claims.iss === issuer && claims.aud === clientId && claims.nonce === nonce && claims.auth_time,
    `aud=${claims.aud}`);
  try {
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    check(results, 'fetchUserInfo (subject check)', info.sub === claims.sub, info.email);
  } catch (err) {
    check(results, 'fetchUserInfo (subject check)', false, `${err.code} ${err.message}`);
  }
  try {
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    const rotated = refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token;
    check(results, `refreshTokenGrant → new tokens${publicClient ? ' (rotated)' : ''}`,
      refreshed.access_token && refreshed.id_token && (!publicClient || rotated),
      `refresh token ${rotated ? 'rotated' : 'kept'}; id_token sub=${refreshed.claims()?.sub}`);
    if (!publicClient) {
      const intro = await client.tokenIntrospection(config, refreshed.access_token);
      check(results, 'tokenIntrospection (RFC 7662) → active', intro.active === true, intro.scope);
    }
    await client.tokenRevocation(config, refreshed.refresh_token || tokens.refresh_token);
    check(results, 'tokenRevocation (RFC 7009) → ok', true);
    try {
      await client.refreshTokenGrant(config, refreshed.refresh_token || tokens.refresh_token);
      check(results, 'revoked refresh token is refused', false, 'accepted');
    } catch (err) {
      check(results, 'revoked refresh token is refused', err.error === 'invalid_grant', err.error);
    }
  } catch (err) {
    check(results, 'refresh / introspection / revocation', false, `${err.code || ''} ${err.error || ''} ${err.message}`);
  }
}

const results = [];
console.log(`\n== openid-client ${version} against oauth-playground serve`);
const port = await freePort();
const serve = await startServe(['--port', String(port), '--clients', path.join(HERE, 'seed-clients.json')]);
const issuer = `http://127.0.0.1:${port}`;
try {
  await flow(results, issuer, "seed client (public, auth none), redirect_uri omitted as the seed does",
    { clientId: SEED_CLIENT_ID, redirectUri: 'http://client.server.com/callback', auth: client.None(), sendRedirectUri: false });
  await flow(results, issuer, 'seed client, redirect_uri sent',
    { clientId: SEED_CLIENT_ID, redirectUri: 'http://client.server.com/callback', auth: client.None() });
  await flow(results, issuer, 'confidential client, client_secret_basic',
    { clientId: WEB.id, redirectUri: WEB.redirect, auth: client.ClientSecretBasic(WEB.secret), publicClient: false });
  await flow(results, issuer, 'confidential client, client_secret_post',
    { clientId: WEB.id, redirectUri: WEB.redirect, auth: client.ClientSecretPost(WEB.secret), publicClient: false });
  await flow(results, issuer, 'native client, loopback redirect on an ephemeral port',
    { clientId: 'interop-native', redirectUri: 'http://127.0.0.1:49152/callback', auth: client.None() });
  console.log('-- an error redirect (prompt=none, no session): state and iss validated on errors too');
  const config = await client.discovery(new URL(issuer), SEED_CLIENT_ID, undefined, client.None(),
    { execute: [client.allowInsecureRequests] });
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { scope: SCOPE, state, prompt: 'none',
    code_challenge_method: 'S256',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()) });
  const res = await fetch(url, { redirect: 'manual' });
  try {
    await client.authorizationCodeGrant(config, new URL(res.headers.get('location')),
      { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: state });
    check(results, 'login_required reaches the client as an AuthorizationResponseError', false, 'no error');
  } catch (err) {
    check(results, 'login_required reaches the client as an AuthorizationResponseError',
      err.name === 'AuthorizationResponseError' && err.error === 'login_required',
      `${err.name} ${err.error || err.code}: ${err.error_description || err.message}`);
  }
} finally {
  const code = await serve.stop();
  check(results, 'serve exits 0 on SIGTERM', code === 0, `exit ${code}`);
  check(results, 'serve logged no 500', !/ 500 \[/.test(serve.text()));
}
const failed = results.filter((r) => !r.ok).length;
console.log(`\nopenid-client: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
