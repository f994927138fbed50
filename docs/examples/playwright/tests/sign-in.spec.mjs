// The SPA against `oauth-playground serve`: the control API (<issuer>/_playground/) steers the
// provider from the test through Playwright's `request` fixture, and reads its request journal.
import { test, expect } from '@playwright/test';
import { ISSUER } from '../serve-command.mjs';

const control = (path) => `${ISSUER}/_playground${path}`;

test.beforeEach(async ({ request }) => {
  // Behaviours, journal, codes, tokens, sessions, clock: back to how the provider started.
  const reset = await request.post(control('/reset'));
  expect(reset.ok()).toBeTruthy();
});

async function signIn(page, query = '') {
  await page.goto(`/${query}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // auto-approve: no login or consent page; authorize redirects straight back to /callback,
  // where the app exchanges the code and ends signed in, or showing the error.
  await expect(page.getByRole('status')).toHaveText(/^(Signed in|Error)$/);
  await expect(page).toHaveURL('/');   // the code and state are gone from the address bar
}

test('sign in shows the user name and groups from the id_token', async ({ page }) => {
  await signIn(page);
  await expect(page.getByRole('status')).toHaveText('Signed in');
  await page.screenshot({ path: test.info().outputPath('signed-in.png') });
  await expect(page.locator('#user-name')).toHaveText('Dave Developer');
  await expect(page.locator('#user-groups')).toHaveText('developers, admins');
  await expect(page.getByRole('alert')).toBeHidden();
});

test('login_hint signs in another user', async ({ page }) => {
  await signIn(page, '?login_hint=erin');
  await expect(page.locator('#user-name')).toHaveText('Erin Tester');
  await expect(page.locator('#user-sub')).toHaveText('erin');
  await expect(page.locator('#user-groups')).toHaveText('testers');
});

test('a claim enqueued with the control API appears in the UI', async ({ page, request }) => {
  const enqueued = await request.post(control('/behaviours'), {
    data: { match: { client_id: 'playwright-spa' }, claims: { acr: 'Level4' } },
  });
  expect(enqueued.status()).toBe(201);
  await signIn(page);
  await expect(page.locator('#user-acr')).toHaveText('Level4');
  // One behaviour, used up by that token response.
  const queue = await (await request.get(control('/behaviours'))).json();
  expect(queue.behaviours).toEqual([]);
});

test('an enqueued token error is shown as an error message', async ({ page, request }) => {
  await request.post(control('/behaviours'), {
    data: {
      match: { client_id: 'playwright-spa', grant_type: 'authorization_code' },
      error: { error: 'invalid_grant', error_description: 'the code was already used' },
    },
  });
  await signIn(page);
  const alert = page.getByRole('alert');
  await expect(alert).toBeVisible();
  await expect(alert).toHaveText('Token request failed: invalid_grant (the code was already used)');
  await expect(alert).toHaveAttribute('data-error', 'invalid_grant');
  await expect(page.locator('#signed-in')).toBeHidden();
});

test('the journal shows the token request carried a PKCE code_verifier', async ({ page, request }) => {
  await signIn(page);
  await expect(page.locator('#user-name')).toHaveText('Dave Developer');

  const journal = await (await request.get(control('/requests?endpoint=token'))).json();
  const posts = journal.requests.filter((entry) => entry.method === 'POST');
  expect(posts).toHaveLength(1);
  const [token] = posts;
  expect(token.status).toBe(200);
  expect(token.params).toMatchObject({
    grant_type: 'authorization_code',
    client_id: 'playwright-spa',
    redirect_uri: 'http://127.0.0.1:5471/callback',
  });
  expect(token.params.code_verifier).toMatch(/^[A-Za-z0-9_~.-]{43,128}$/);   // RFC 7636 §4.1

  // ...and the authorization request sent its S256 challenge.
  const authorize = (await (await request.get(control('/requests?endpoint=authorize'))).json())
    .requests.at(-1);
  expect(authorize.params.code_challenge_method).toBe('S256');
  expect(authorize.params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
});
