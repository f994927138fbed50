// A certified OpenID provider (node `oidc-provider`) on loopback, configured like the seed's
// client, for interop checks of `oauth-playground flow --manual` (see README.md).
//   PORT=3000 node provider.mjs      → issuer http://localhost:3000
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || '127.0.0.1';
const issuer = process.env.ISSUER || `http://localhost:${port}`;

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
  ],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
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
