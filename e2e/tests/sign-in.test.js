// Signing in by emailed link through the pages, with JavaScript on and off: the nav's "Sign in",
// the email form, the link read from the server's outbox folder, the confirm button, /me, and
// signing out. Then an admin invites someone on the people page. axe on every state of these
// pages (they are plain forms, so they must work and pass without JavaScript too).
// These pages have no islands (nothing to hydrate): with JavaScript on they are the same forms.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, e2e, checkA11y, checkA11yNoJs, browserErrors, pageText, DSL_NAME } from './harness.js';

const DSL = 'safeguarding@wexmoorvale.example.org';
const ADMIN = 'admin@wexmoorvale.example.org';

let env;
let jsOn;
let jsOff;

before(async () => {
  env = await setup();
  jsOn = await env.newContext();
  jsOff = await env.newContext({ javaScriptEnabled: false });
});

after(async () => {
  await jsOn?.close();
  await jsOff?.close();
  await env?.teardown();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Emails already read from the outbox, so each sign-in reads its own. */
const seen = new Set();

/** The emails in the server's outbox folder (a message being written is a hidden .partial file). */
function outboxFiles() {
  const dir = join(env.server.dataDir, 'outbox');
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.txt') && !f.startsWith('.'))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Waits for a new email to `email` in the outbox and returns its sign-in link (a full URL). */
async function newLinkFor(email, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const file of outboxFiles()) {
      if (seen.has(file)) continue;
      const mail = readFileSync(file, 'utf8');
      if (!mail.startsWith(`To: ${email}\n`)) continue;
      seen.add(file);
      const link = mail.match(/http:\/\/\S+\/sign-in\/link\?token=\S+/);
      assert.ok(link, `a sign-in link in the email:\n${mail}`);
      const url = new URL(link[0]);
      assert.equal(url.origin, env.server.baseURL, 'the link points at this server');
      return url.href;
    }
    if (Date.now() > deadline) throw new Error(`No new email to ${email} in ${join(env.server.dataDir, 'outbox')}`);
    await sleep(50);
  }
}

const nav = (page) => page.getByRole('navigation', { name: 'Main' });

/** Whether the nav has a link with exactly this name. */
async function navHas(page, name) {
  return (await nav(page).getByRole('link', { name, exact: true }).count()) > 0;
}

async function sessionCookie(context) {
  return (await context.cookies()).find((c) => c.name === 'session' && c.value !== '');
}

/** axe for the page, in the way that works with JavaScript on or off. */
async function a11y(page, js, label) {
  if (js) await checkA11y(page, label);
  else await checkA11yNoJs(env.browser, page, label);
}

/** Clicks a submit button and waits for the page its form leads to. */
async function submit(page, buttonName, method = 'POST') {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && r.request().resourceType() === 'document'),
    page.getByRole('button', { name: buttonName, exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
  return response;
}

/**
 * Signs `email` in through the pages: nav "Sign in", the email form, the emailed link, the
 * button. Checks axe on each step when `checks` is set. Returns the link (used up by now).
 */
async function signInThroughPages(page, email, { js, checks = false }) {
  await page.goto('/');
  assert.ok(await navHas(page, 'Sign in'), 'signed out, the nav offers "Sign in"');
  await nav(page).getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/sign-in');
  assert.equal(await page.locator('h1').innerText(), 'Sign in');
  if (checks) await a11y(page, js, '/sign-in (form)');

  await page.getByLabel('Email address').fill(email);
  const sent = await submit(page, 'Email me a sign-in link');
  assert.equal(sent.status(), 200, 'POST /sign-in');
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  assert.equal(await page.getByRole('heading', { name: 'Check your email' }).count(), 1);
  assert.ok((await pageText(page)).includes(email), 'the page repeats the address');
  if (checks) await a11y(page, js, '/sign-in (sent)');

  const link = await newLinkFor(email);
  const opened = await page.goto(link);
  assert.equal(opened.status(), 200, 'GET the link');
  assert.equal(await sessionCookie(page.context()), undefined, 'opening the link does not sign in');
  if (checks) await a11y(page, js, '/sign-in/link (confirm)');

  await Promise.all([
    page.waitForURL((u) => u.pathname === '/me'),
    page.getByRole('main').getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
  const cookie = await sessionCookie(page.context());
  assert.ok(cookie, 'a session cookie');
  assert.equal(cookie.httpOnly, true, 'HttpOnly');
  assert.equal(cookie.sameSite, 'Lax', 'SameSite=Lax');
  assert.equal(cookie.secure, false, 'no Secure on plain-http localhost');
  return link;
}

/** The whole sign-in flow as the DSL, then signing out; `js` on or off. */
async function dslSignsInAndOut(context, js) {
  const errorsFrom = browserErrors().length;
  const page = await context.newPage();
  const link = await signInThroughPages(page, DSL, { js, checks: true });

  assert.equal(new URL(page.url()).pathname, '/me');
  assert.equal((await page.locator('[data-testid=me-name]').innerText()).trim(), DSL_NAME);
  assert.match(await page.locator('[data-testid=me-roles]').innerText(), /Designated safeguarding lead \(DSL\)/);
  assert.ok(await navHas(page, 'Your account'), 'signed in, the nav shows "Your account"');
  assert.ok(!(await navHas(page, 'Sign in')), 'and no "Sign in"');
  assert.ok(!(await navHas(page, 'People')), 'a DSL does not manage people');
  await a11y(page, js, '/me');

  // Sign out: back home, signed out.
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/'),
    page.getByRole('button', { name: 'Sign out', exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
  assert.ok(await navHas(page, 'Sign in'), 'signed out, the nav shows "Sign in" again');
  assert.ok(!(await navHas(page, 'Your account')), 'and no "Your account"');
  assert.equal(await sessionCookie(context), undefined, 'the cookie is gone');
  const me = await page.goto('/me');
  assert.equal(new URL(page.url()).pathname, '/sign-in', `/me sends a signed-out person to sign in (${me.status()})`);

  // The used link: the failure page, which passes axe too.
  await page.goto(link);
  const failed = await submit(page, 'Sign in');
  assert.equal(failed.status(), 400, 'a used link');
  assert.equal(await page.getByRole('heading', { name: 'That sign-in link did not work' }).count(), 1);
  assert.equal(await sessionCookie(context), undefined, 'a used link signs nobody in');
  await a11y(page, js, '/sign-in/link (failed)');

  // The browser reports the 400 of the failure page itself; anything else is a problem.
  const errors = browserErrors(errorsFrom).filter((l) => !/\/sign-in\/link: Failed to load resource: the server responded with a status of 400/.test(l));
  assert.deepEqual(errors, [], 'no errors in the browser');
  await page.close();
}

e2e('13. the DSL signs in by emailed link and signs out (JavaScript on); every step passes axe', async () => {
  await dslSignsInAndOut(jsOn, true);
});

e2e('14. the DSL signs in by emailed link and signs out with JavaScript off; every step passes axe', async () => {
  await dslSignsInAndOut(jsOff, false);
});

e2e('15. the sign-in form shows a refused address as an accessible error, keeping what was typed', async () => {
  const page = await jsOn.newPage();
  await page.goto('/sign-in');
  // The browser would stop this itself (type=email, required): let it through to the server.
  await page.locator('#email').evaluate((el) => {
    el.type = 'text';
    el.removeAttribute('required');
  });
  await page.locator('#email').fill('not an email');
  const refused = await submit(page, 'Email me a sign-in link');
  assert.equal(refused.status(), 422);
  assert.match(await page.getByRole('alert').innerText(), /does not look right/);
  assert.equal(await page.locator('#email').inputValue(), 'not an email');
  assert.equal(await page.locator('#email').getAttribute('aria-invalid'), 'true');
  await checkA11y(page, '/sign-in (error)');
  await page.close();
});

e2e('16. an admin invites someone on the people page, who then appears in the list; the page passes axe', async () => {
  const errorsFrom = browserErrors().length;
  const context = await env.newContext();
  const page = await context.newPage();
  await signInThroughPages(page, ADMIN, { js: true });
  assert.equal((await page.locator('[data-testid=me-name]').innerText()).trim(), 'Chris Admin');

  await Promise.all([
    page.waitForURL((u) => u.pathname === '/admin/people'),
    nav(page).getByRole('link', { name: 'People', exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').innerText(), 'People');
  const table = page.locator('table.people');
  assert.ok((await table.innerText()).includes(DSL), 'the demo people are listed');
  await checkA11y(page, '/admin/people');

  const invite = page.locator('form[action="/admin/people/invite"]');
  const fill = async () => {
    await invite.getByLabel('Name').fill('Morgan Lee');
    await invite.getByLabel('Email address').fill('m.lee@wexmoorvale.example.org');
    await invite.getByLabel('Staff member', { exact: true }).check();
    await invite.getByLabel('Groups').fill('Site B');
  };
  await fill();
  const added = await submit(page, 'Invite');
  assert.equal(added.status(), 200);
  assert.match(await page.getByRole('status').innerText(), /Morgan Lee was added/);
  const row = page.locator('table.people tbody tr', { hasText: 'm.lee@wexmoorvale.example.org' });
  assert.equal(await row.count(), 1, 'the new person is in the list');
  const cells = (await row.locator('td').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(cells.slice(0, 5), ['Morgan Lee', 'm.lee@wexmoorvale.example.org', 'Staff member', 'Site B', 'Active']);
  await checkA11y(page, '/admin/people (added)');

  // The same person again: refused, what was typed kept, and the error passes axe.
  await fill();
  const refused = await submit(page, 'Invite');
  assert.equal(refused.status(), 422);
  assert.match(await page.getByRole('alert').innerText(), /already has this email address/);
  assert.equal(await invite.getByLabel('Name').inputValue(), 'Morgan Lee');
  assert.equal(await invite.getByLabel('Staff member', { exact: true }).isChecked(), true);
  assert.equal(await page.locator('table.people tbody tr', { hasText: 'm.lee@wexmoorvale.example.org' }).count(), 1, 'still one');
  await checkA11y(page, '/admin/people (error)');

  // The list with JavaScript off is the same page: it passes axe there too.
  const noJs = await env.newContext({ javaScriptEnabled: false });
  await noJs.addCookies([await sessionCookie(context)]);
  const plain = await noJs.newPage();
  const res = await plain.goto('/admin/people');
  assert.equal(res.status(), 200);
  assert.equal(await plain.locator('table.people tbody tr', { hasText: 'Morgan Lee' }).count(), 1);
  await checkA11yNoJs(env.browser, plain, '/admin/people');
  await noJs.close();

  // Deactivating takes two steps: the button is behind "Deactivate…", which says what it does.
  const morgan = page.locator('table.people tbody tr', { hasText: 'm.lee@wexmoorvale.example.org' });
  const confirm = morgan.getByRole('button', { name: 'Deactivate Morgan Lee' });
  assert.equal(await confirm.isVisible(), false, 'one click cannot deactivate');
  await morgan.locator('summary', { hasText: 'Deactivate' }).click();
  assert.match(await morgan.innerText(), /signed out everywhere/);
  await checkA11y(page, '/admin/people (deactivate opened)');
  const deactivated = await submit(page, 'Deactivate Morgan Lee');
  assert.equal(deactivated.status(), 200);
  assert.match(await page.getByRole('status').innerText(), /Morgan Lee was deactivated/);
  const cellsAfter = (await page.locator('table.people tbody tr', { hasText: 'm.lee@wexmoorvale.example.org' }).locator('td').allInnerTexts()).map((t) => t.trim());
  assert.equal(cellsAfter[4], 'Deactivated');
  // A deactivated person comes back in one step, with their own Reactivate button.
  await checkA11y(page, '/admin/people (deactivated)');
  const reactivated = await submit(page, 'Reactivate Morgan Lee');
  assert.equal(reactivated.status(), 200);
  assert.match(await page.getByRole('status').innerText(), /Morgan Lee was reactivated/);
  const cellsBack = (await page.locator('table.people tbody tr', { hasText: 'm.lee@wexmoorvale.example.org' }).locator('td').allInnerTexts()).map((t) => t.trim());
  assert.equal(cellsBack[4], 'Active');

  // The list sorts by a column on the server: the header is a link, the sorted one says so.
  const [sorted] = await Promise.all([
    page.waitForResponse((r) => r.request().resourceType() === 'document'),
    page.locator('table.people thead a', { hasText: 'Email' }).click(),
  ]);
  await page.waitForLoadState('load');
  assert.equal(sorted.status(), 200);
  assert.match(page.url(), /\/admin\/people\?sort=email&dir=asc$/);
  assert.equal(await page.locator('table.people thead th[aria-sort=ascending]').innerText(), 'Email');
  const emails = (await page.locator('table.people tbody tr td:nth-child(2)').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(emails, [...emails].sort(), 'by email');
  await checkA11y(page, '/admin/people?sort=email');

  const errors = browserErrors(errorsFrom).filter((l) => !/\/admin\/people\/invite: Failed to load resource: the server responded with a status of 422/.test(l));
  assert.deepEqual(errors, [], 'no errors in the browser');
  await context.close();
});
