
const code = /* retrieve code query string parameter from the url */ 'AUTH_CODE';
const state = /* retrieve state query string parameter from the url */ 'STATE';

const prevState = window.localStorage.getItem('state');
const codeVerifier = window.localStorage.getItem('verifier');

if (state !== prevState) {
 throw new Error('State mismatch');
}

fetch('http://auth.server.com/oauth2/token', {
  method: 'POST',
  headers: { 'Content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify({
    code,
    client_id: client.id,
    grant_type: 'authorization_code',
    redirect_uri: 'http://client.server.com/callback',
    code_verifier: codeVerifier,
    scope: 'openid email profile offline_access',
  }),
}).then(res => res.json()) // TODO handle http errors
  .then(payload => {
    // User is authenticated, payload contains the access_token, the refresh_token and the id_token
  });
