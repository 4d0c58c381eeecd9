// Signing in with single sign-on in Chromium, with JavaScript on and off: the button on the
// sign-in page, the login page of the local OpenID provider (panva's certified oidc-provider,
// e2e/oidc/provider.mjs, on its defaults: the email and name come only from UserInfo), back to
// the platform signed in. Someone the provider knows but the organisation does not is refused
// with a clear message. axe on the platform's pages of each state.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, checkA11yNoJs, freePort, startOidcProvider, browserErrors } from './harness.js';

const CLIENT_ID = 'demo-web';
const CLIENT_SECRET = 'e2e-client-secret';

let env;
let provider;
let jsOn;
let jsOff;

before(async () => {
  const providerPort = await freePort();
  env = await setup({
    env: () => ({
      APP_SSO_DEMO_ISSUER: `http://127.0.0.1:${providerPort}`,
      APP_SSO_DEMO_CLIENT_SECRET: CLIENT_SECRET,
    }),
  });
  provider = await startOidcProvider({
    port: providerPort,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: `${env.server.baseURL}/sign-in/sso/demo/callback`,
    unverified: ['d.okafor@wexmoorvale.example.org'],
  });
  jsOn = await env.newContext();
  jsOff = await env.newContext({ javaScriptEnabled: false });
});

after(async () => {
  await jsOn?.close();
  await jsOff?.close();
  await provider?.stop();
  await env?.teardown();
});

/** From the platform's sign-in page, through the provider as `email`; returns the page after. */
async function signInWithSso(page, email) {
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Sign in with the demo identity provider' }).click();
  await page.waitForURL((url) => url.href.startsWith(provider.issuer), { timeout: 10_000 });
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.href.startsWith(env.server.baseURL), { timeout: 10_000 });
  return page;
}

e2e('a learner signs in with single sign-on, JavaScript on', async () => {
  const from = browserErrors().length;
  const page = await jsOn.newPage();
  await page.goto('/sign-in');
  await checkA11y(page, 'sign-in page with a single sign-on button');
  await signInWithSso(page, 'learner@wexmoorvale.example.org');
  assert.equal(new URL(page.url()).pathname, '/me');
  assert.equal(await page.getByTestId('me-name').textContent(), 'Alex Rivers');
  await checkA11y(page, '/me after single sign-on');
  const cookies = await jsOn.cookies(env.server.baseURL);
  const session = cookies.find((c) => c.name === 'session');
  assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
  assert.equal(session.sameSite, 'Lax');
  assert.ok(!cookies.some((c) => c.name === 'sso_state' && c.value), 'the state cookie is cleared');
  assert.deepEqual(browserErrors(from), []);
  await page.close();
});

e2e('a member of staff signs in with single sign-on, JavaScript off', async () => {
  const page = await jsOff.newPage();
  await signInWithSso(page, 'staff@wexmoorvale.example.org');
  assert.equal(new URL(page.url()).pathname, '/me');
  assert.equal(await page.getByTestId('me-name').textContent(), 'Sam Carter');
  await checkA11yNoJs(env.browser, page, '/me after single sign-on');
  await page.close();
});

e2e('someone the organisation does not know is refused and told what to do', async () => {
  const context = await env.newContext();
  const page = await context.newPage();
  await signInWithSso(page, 'stranger@elsewhere.example.com');
  assert.match(await page.getByRole('alert').textContent(), /nobody with that email is set up here/);
  assert.ok(!(await context.cookies(env.server.baseURL)).some((c) => c.name === 'session' && c.value));
  await checkA11y(page, 'single sign-on refused');
  // Both ways to try again are offered.
  await page.getByRole('button', { name: 'Sign in with the demo identity provider' }).waitFor();
  await page.getByRole('link', { name: 'Sign in with an email link instead' }).waitFor();
  await context.close();
});

e2e('an address the provider says is not verified is refused, saying what to tell IT', async () => {
  const context = await env.newContext();
  const page = await context.newPage();
  await signInWithSso(page, 'd.okafor@wexmoorvale.example.org');
  const alert = await page.getByRole('alert').textContent();
  assert.match(alert, /is not verified/);
  assert.match(alert, /IT team/);
  assert.doesNotMatch(alert, /try again/i, 'a permanent fault does not say to try again');
  assert.ok(!(await context.cookies(env.server.baseURL)).some((c) => c.name === 'session' && c.value));
  await checkA11y(page, 'single sign-on refused: unverified address');
  await context.close();
});
