// A minimal browser app: OpenID Connect sign-in with the authorization code flow and PKCE
// (RFC 7636, S256 via WebCrypto), the code exchanged at the token endpoint with fetch (CORS),
// and the id_token's signature and claims checked before the user is shown (OIDC Core §3.1.3.7).
// No library, no build step.

const $ = (id) => document.getElementById(id);
const PENDING = 'oidc.pending';   // sessionStorage: state, nonce, code_verifier of the sign-in
const SESSION = 'oidc.session';   // sessionStorage: the verified id_token claims

const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromB64url = (text) => Uint8Array.from(
  atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const randomString = (n = 32) => b64url(crypto.getRandomValues(new Uint8Array(n)));
const sha256 = (text) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

async function main() {
  const config = await getJson('/config.json');
  const metadata = await getJson(`${config.issuer}/.well-known/openid-configuration`);
  if (metadata.issuer !== config.issuer) throw new Error(`discovery names issuer ${metadata.issuer}`);

  $('sign-in').addEventListener('click', () => signIn(config, metadata).catch(showError));
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(SESSION);
    render(null);
  });

  if (location.pathname === '/callback') {
    // The code and state leave the address bar (and history) before anything else.
    const params = new URLSearchParams(location.search);
    history.replaceState(null, '', '/');
    await handleCallback(config, metadata, params);
  } else {
    render(JSON.parse(sessionStorage.getItem(SESSION) ?? 'null'));
  }
}

async function signIn(config, metadata) {
  const pending = { state: randomString(), nonce: randomString(), verifier: randomString() };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(metadata.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: 'openid profile email',
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: b64url(await sha256(pending.verifier)),
    code_challenge_method: 'S256',
  });
  // ?login_hint=erin on the app's page asks the provider for that user (OIDC Core §3.1.2.1).
  const hint = new URLSearchParams(location.search).get('login_hint');
  if (hint) url.searchParams.set('login_hint', hint);
  location.assign(url);
}

async function handleCallback(config, metadata, params) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  if (!pending || params.get('state') !== pending.state) {
    throw new Error('the callback does not answer a sign-in of this tab (state mismatch)');
  }
  if (params.get('iss') && params.get('iss') !== config.issuer) {   // RFC 9207
    throw new Error(`the callback came from issuer ${params.get('iss')}`);
  }
  if (params.get('error')) {
    throw new OAuthError('Sign-in failed', params.get('error'), params.get('error_description'));
  }
  const response = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: config.redirectUri,
      client_id: config.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new OAuthError('Token request failed', body.error ?? `HTTP ${response.status}`,
      body.error_description);
  }
  const claims = await verifyIdToken(body.id_token, config, metadata, pending.nonce);
  sessionStorage.setItem(SESSION, JSON.stringify(claims));
  render(claims);
}

// -- the id_token (OIDC Core §3.1.3.7) ---------------------------------------------------------
const ALGORITHMS = {
  RS256: { key: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verify: { name: 'RSASSA-PKCS1-v1_5' } },
  PS256: { key: { name: 'RSA-PSS', hash: 'SHA-256' }, verify: { name: 'RSA-PSS', saltLength: 32 } },
  ES256: { key: { name: 'ECDSA', namedCurve: 'P-256' }, verify: { name: 'ECDSA', hash: 'SHA-256' } },
  EdDSA: { key: { name: 'Ed25519' }, verify: { name: 'Ed25519' } },
};

async function verifyIdToken(idToken, config, metadata, nonce) {
  if (typeof idToken !== 'string') throw new Error('the token response has no id_token');
  const [head, payload, signature] = idToken.split('.');
  const header = JSON.parse(new TextDecoder().decode(fromB64url(head)));
  const alg = ALGORITHMS[header.alg];
  if (!alg) throw new Error(`id_token alg ${header.alg} is not supported`);
  const { keys } = await getJson(metadata.jwks_uri);
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`no key ${header.kid} in the provider's JWKS`);
  const key = await crypto.subtle.importKey('jwk', jwk, alg.key, false, ['verify']);
  const signed = new TextEncoder().encode(`${head}.${payload}`);
  if (!await crypto.subtle.verify(alg.verify, key, fromB64url(signature), signed)) {
    throw new Error('the id_token signature does not verify');
  }
  const claims = JSON.parse(new TextDecoder().decode(fromB64url(payload)));
  const audiences = [].concat(claims.aud);
  if (claims.iss !== config.issuer) throw new Error(`id_token iss is ${claims.iss}`);
  if (!audiences.includes(config.clientId)) throw new Error('id_token is not for this app');
  if (claims.exp * 1000 < Date.now() - 60_000) throw new Error('id_token has expired');
  if (claims.nonce !== nonce) throw new Error('id_token nonce does not match');
  return claims;
}

// -- the page ------------------------------------------------------------------------------------
class OAuthError extends Error {
  constructor(what, code, description) {
    super(`${what}: ${code}${description ? ` (${description})` : ''}`);
    this.code = code;
  }
}

function render(claims) {
  $('signed-in').hidden = !claims;
  $('signed-out').hidden = !!claims;
  $('status').textContent = claims ? 'Signed in' : 'Signed out';
  if (!claims) return;
  $('user-name').textContent = claims.name ?? claims.sub;
  $('user-sub').textContent = claims.sub;
  $('user-groups').textContent = (claims.groups ?? []).join(', ') || '—';
  $('user-acr').textContent = claims.acr ?? '—';
  $('user-email').textContent = claims.email ?? '—';
}

function showError(error) {
  render(null);
  $('status').textContent = 'Error';
  $('error').hidden = false;
  $('error').textContent = error.message;
  if (error.code) $('error').dataset.error = error.code;
}

main().catch(showError);
