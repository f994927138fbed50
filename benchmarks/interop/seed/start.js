const sharedState = 'somesecretstatethatshouldmatch';
const codeVerifier = 'RANDOM_GENERATED_STRING';
const codeChallenge = window.btoa(sha256(codeVerifier)); // needs a custom sha256 implementation, example using window.crypto.subtle 

window.localStorage.setItem('state', sharedState);
window.localStorage.setItem('verifier', codeVerifier);

const url = new URL('http://auth.server.com/oauth2/authorize');
url.searchParams.set('client_id', client.id);
url.searchParams.set('response_type', 'code');
url.searchParams.set('state', sharedState);
url.searchParams.set('scope', 'openid email profile offline_access');
url.searchParams.set('code_challenge', codeChallenge);
url.searchParams.set('code_challenge_method', 'SHA-256');

window.location.href = url.toString();
