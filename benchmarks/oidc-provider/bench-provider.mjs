// node `oidc-provider` configured like `oauth-playground serve` for the throughput benchmark
// (benchmarks/run.py; see benchmarks/README.md). Differences from provider.mjs, all to match
// the embedded server: issuer on 127.0.0.1, the confidential client `playground-web` keeps its
// refresh token (no rotation, as our server does for confidential clients), access tokens are
// JWTs (RFC 9068) signed ES256 and id_tokens RS256, exactly like ours; the in-memory store is not
// capped at 1,000 entries (ours is not capped either); no request logging.
//   PORT=3000 node bench-provider.mjs
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

// The default in-memory adapter is an LRU of 1,000 entries: minting thousands of codes before
// the run would evict most of them. This store keeps everything until it expires, like ours.
class Store {
  #map = new Map();
  get(key) {
    const entry = this.#map.get(key);
    if (entry && entry.expiry && entry.expiry <= Date.now()) { this.#map.delete(key); return undefined; }
    return entry?.value;
  }
  set(key, value, { maxAge } = {}) { this.#map.set(key, { value, expiry: maxAge ? Date.now() + maxAge : 0 }); }
  delete(key) { this.#map.delete(key); }
}
const store = new Store();

const port = Number(process.env.PORT || 3000);
const issuer = `http://127.0.0.1:${port}`;
const RESOURCE = `${issuer}/api`;

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const jwks = {
  keys: [
    { ...rsa.export({ format: 'jwk' }), kid: 'rs', use: 'sig', alg: 'RS256' },
    { ...ec.export({ format: 'jwk' }), kid: 'es', use: 'sig', alg: 'ES256' },
  ],
};

const USERS = {
  alice: { sub: 'alice', name: 'Alice Example', email: 'alice@example.com', email_verified: true },
};

const provider = new Provider(issuer, {
  jwks,
  adapter: (model) => new MemoryAdapter(model, store),
  clients: [{
    client_id: 'playground-web',
    client_secret: 'web-secret-2a1f0c9e7b4d4f3a8e6c5b1d9f0a7c3e',
    application_type: 'web',
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['http://localhost:8080/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
  }],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'openid email profile offline_access',
        audience: issuer,
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  rotateRefreshToken: () => false,
  scopes: ['openid', 'email', 'profile', 'offline_access'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, id) {
    const user = USERS[id] || { sub: id, name: id, email: `${id}@example.com`, email_verified: false };
    return { accountId: id, async claims() { return { ...user, sub: id }; } };
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ${issuer} listening on 127.0.0.1:${port}`);
});
