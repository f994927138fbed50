// A certified OpenID provider (node `oidc-provider`) on loopback, configured like the seed's
// client, for interop checks of `oauth-playground flow --manual` (see README.md).
//   PORT=3000 node provider.mjs      → issuer http://localhost:3000
import Provider, { errors } from 'oidc-provider';

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || '127.0.0.1';
const issuer = process.env.ISSUER || `http://localhost:${port}`;

const API = 'https://api.playground.example';
const API_SCOPES = 'api:read api:write';

const USERS = {
  alice: { sub: 'alice', name: 'Alice Example', email: 'alice@example.com', email_verified: true },
};

const provider = new Provider(issuer, {
  clients: [
    {
      // the seed's client (seeds/auth_code_pkce.md): public, PKCE, redirect to client.server.com
      client_id: 'c02d5bf5-993e-4c6a-a248-6c307cc7681b',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://client.server.com/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    {
      // a confidential web client: HTTP Basic client authentication (RFC 6749 §2.3.1)
      client_id: 'playground-web',
      client_secret: 'web-secret-2a1f0c9e7b4d4f3a8e6c5b1d9f0a7c3e',
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: ['http://localhost:8080/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    {
      // a native client for the system-browser mode: loopback redirect, any port (RFC 8252 §7.3)
      client_id: 'playground-native',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    {
      // a machine client (RFC 6749 §4.4), like playground-service in the embedded server's
      // default clients: no user, no browser, so no redirect URIs and no response types
      client_id: 'playground-service',
      client_secret: 'service-secret-7d3b9a1e5c2f4086b1d4e8a0c6f2b9d3',
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
    },
    {
      // a device client (RFC 8628), like playground-tv in the embedded server's default
      // clients: public (a TV keeps no secret), no redirect; the user enters the code at /device
      client_id: 'playground-tv',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: [],
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
    },
    {
      // like playground-fapi in the embedded server's default clients (RFC 7523 §2.2, RFC 9126,
      // RFC 9449): private_key_jwt with the bundled demo key (its public half here), pushed
      // authorization requests only, DPoP-bound access tokens
      client_id: 'playground-fapi',
      application_type: 'web',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{"crv": "P-256", "kty": "EC", "x": "WDCzIfo7JmpiKI6qY9ATtrsGwM1fLH26J_8Yj7m0-K8", "y": "CRu2JfjDF4JTc2m86qkVrd5AjDGlDPD_VulA0jQcKh0", "kid": "playground-fapi-demo-1", "use": "sig", "alg": "ES256"}] },
      require_pushed_authorization_requests: true,
      dpop_bound_access_tokens: true,
      redirect_uris: ['http://client.server.com/callback', 'http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
    },
    {
      // like playground-jwt: client_secret_jwt (HS256 with the client secret, OIDC Core §9)
      client_id: 'playground-jwt',
      client_secret: 'jwt-secret-5f1e9c3a7d2b4e6f8a0c1b3d5e7f9a2c4b6d8e0f',
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_jwt',
      token_endpoint_auth_signing_alg: 'HS256',
      redirect_uris: ['http://localhost:8080/callback'],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
    },
  ],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    // RFC 8628: device_authorization_endpoint /device/auth, verification_uri /device
    deviceFlow: { enabled: true },
    // RFC 9126 (PAR) and RFC 9449 (DPoP) are on by default in oidc-provider 9; signed request
    // objects (RFC 9101) are not
    requestObjects: { enabled: true },
    // A machine client's scopes are a resource server's (RFC 8707), not OpenID scopes: the API
    // below is the default resource of the client_credentials grant, so a request without
    // `resource` gets a JWT access token (RFC 9068) for it, with at most api:read and api:write.
    resourceIndicators: {
      enabled: true,
      defaultResource: async (ctx, client, oneOf) => oneOf
        || (ctx.oidc.params?.grant_type === 'client_credentials' ? API : undefined),
      useGrantedResource: async () => false,
      getResourceServerInfo: async (ctx, resource) => {
        if (resource !== API) throw new errors.InvalidTarget();
        return { scope: API_SCOPES, audience: API, accessTokenFormat: 'jwt' };
      },
    },
  },
  scopes: ['openid', 'email', 'profile', 'offline_access'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, id) {
    const user = USERS[id] || { sub: id, name: id, email: `${id}@example.com`, email_verified: false };
    return { accountId: id, async claims() { return { ...user, sub: id }; } };
  },
});

provider.listen(port, host, () => {
  console.log(`oidc-provider ${issuer} listening on ${host}:${port}`);
});
