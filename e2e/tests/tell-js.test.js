// The worry form with JavaScript on: the island sends it to the `tell` server function and shows
// the answer in place; then the follow-up look-up with the code it gave.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup,
  e2e,
  checkA11y,
  browserErrors,
  waitForHydration,
  todayForPeople,
  CODE_PATTERN,
  chooseWorryDetails,
} from './harness.js';

const TRICKY_TEXT = "Ceci n'est pas 🙂 <b>ok</b> & \"quoted\"\nsecond line — ünïcödé 中文";

let env;
let context;

before(async () => {
  env = await setup();
  context = await env.newContext();
});

after(async () => {
  await context?.close();
  await env?.teardown();
});

/** Opens /tell and waits for the form island; records requests and main-frame navigations. */
async function openTell() {
  const page = await context.newPage();
  const response = await page.goto('/tell');
  assert.equal(response.status(), 200);
  await waitForHydration(page);
  const watch = { requests: [], navigations: 0 };
  page.on('request', (r) => watch.requests.push(r));
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) watch.navigations += 1;
  });
  return { page, watch };
}

function apiCalls(watch) {
  return watch.requests.filter((r) => new URL(r.url()).pathname === '/api/tell');
}

/** Looks a code up on /follow-up (a plain form post); returns the response. */
async function lookUp(page, typed) {
  await page.goto('/follow-up');
  await page.locator('#code').fill(typed);
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/follow-up' && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Look it up' }).click(),
  ]);
  await page.waitForLoadState('load');
  return response;
}

e2e('4. with JavaScript on, a worry is sent in place and can be followed up', async () => {
  const errorsBefore = browserErrors().length;
  const { page, watch } = await openTell();
  await page.locator('#worry-text').fill('Someone in my year keeps messaging me at night and it is scaring me.');
  await page.getByLabel('I would like someone to look at it soon', { exact: true }).check();
  await chooseWorryDetails(page);

  const [apiResponse] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/tell'),
    page.getByRole('button', { name: 'Send' }).click(),
  ]);
  assert.equal(apiResponse.status(), 200, 'the server function answers 200');
  assert.equal(apiResponse.request().method(), 'POST');

  const codeEl = page.locator('[data-testid=follow-up-code]');
  await codeEl.waitFor({ state: 'visible' });
  const code = (await codeEl.innerText()).trim();
  assert.match(code, CODE_PATTERN, `follow-up code format: ${code}`);

  // In place: no navigation, same address, and the server function did the work.
  assert.equal(new URL(page.url()).pathname, '/tell');
  assert.equal(watch.navigations, 0, 'no page navigation');
  assert.equal(apiCalls(watch).length, 1, 'exactly one call to /api/tell');
  assert.equal(
    watch.requests.filter((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/tell').length,
    0,
    'no plain form post',
  );

  const confirmation = page.locator('section.confirmation');
  const confirmationText = await confirmation.innerText();
  assert.match(confirmationText, /Your message has been sent/);
  assert.ok(confirmationText.includes(todayForPeople()), `saved today (${todayForPeople()}): ${confirmationText}`);
  assert.doesNotMatch(confirmationText, /already been sent/);
  assert.equal(await page.locator('form.worry-form').isVisible(), false, 'the form is hidden once sent');
  assert.equal(await page.locator('#worry-text').inputValue(), '', 'what was typed does not stay in the page');
  await page.waitForFunction(() => document.activeElement?.id === 'sent-heading', null, { timeout: 5000 });
  await checkA11y(page, '/tell confirmation (JavaScript on)');

  // Follow up: exact code.
  let response = await lookUp(page, code);
  assert.equal(response.status(), 200);
  assert.equal(
    (await page.locator('[data-testid=status]').innerText()).trim(),
    'Received. It is waiting for the safeguarding team to read it.',
  );
  assert.equal((await page.locator('[data-testid=sent-on]').innerText()).trim(), todayForPeople());
  assert.match(await page.locator('main').innerText(), /I would like someone to look at it soon/);
  await checkA11y(page, '/follow-up result');

  // Lower case with spaces instead of hyphens works too.
  const sloppy = code.toLowerCase().replace(/-/g, ' ');
  response = await lookUp(page, sloppy);
  assert.equal(response.status(), 200, `look-up of "${sloppy}"`);
  assert.equal(
    (await page.locator('[data-testid=status]').innerText()).trim(),
    'Received. It is waiting for the safeguarding team to read it.',
  );
  assert.equal((await page.locator('[data-testid=sent-on]').innerText()).trim(), todayForPeople());
  await checkA11y(page, '/follow-up result (typed loosely)');

  assert.deepEqual(browserErrors(errorsBefore), [], 'no errors in the browser console');
  await page.close();
});

e2e('4b. follow-up: unknown and malformed codes are explained', async () => {
  const page = await context.newPage();
  await page.goto('/follow-up');
  await checkA11y(page, '/follow-up');

  let response = await lookUp(page, 'ABCDE-12345-FGHJK-67890-MNPQR');
  assert.equal(response.status(), 404);
  const summary = page.locator('.error-summary');
  assert.equal(await summary.getAttribute('role'), 'alert');
  assert.match(await summary.innerText(), /No message found with that code/);
  assert.equal(await page.locator('#code').inputValue(), 'ABCDE-12345-FGHJK-67890-MNPQR', 'the typed code is kept');
  await checkA11y(page, '/follow-up not found');

  response = await lookUp(page, 'not a code');
  assert.equal(response.status(), 422);
  assert.match(await page.locator('.error-summary').innerText(), /does not look right/);
  assert.equal(await page.locator('#code').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#code').inputValue(), 'not a code');
  await checkA11y(page, '/follow-up malformed');
  await page.close();
});

e2e('6a. with JavaScript on, an error is shown in place and the text is kept', async () => {
  const { page, watch } = await openTell();
  await page.locator('#worry-text').fill(TRICKY_TEXT);
  // Let the form go without an urgency (the browser would otherwise stop it).
  await page.evaluate(() => document.querySelectorAll('form.worry-form [required]').forEach((el) => el.removeAttribute('required')));
  const [apiResponse] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/tell'),
    page.getByRole('button', { name: 'Send' }).click(),
  ]);
  assert.equal(apiResponse.status(), 200, 'a refused worry is an answer, not a server error');
  const summary = page.locator('.error-summary');
  await summary.waitFor({ state: 'visible' });
  assert.equal(await summary.getAttribute('role'), 'alert');
  assert.match(await summary.innerText(), /Please choose how urgent it feels/);
  assert.equal(new URL(page.url()).pathname, '/tell');
  assert.equal(watch.navigations, 0, 'no page navigation');
  assert.equal(await page.locator('#worry-text').inputValue(), TRICKY_TEXT, 'the text is kept exactly');
  assert.equal(await page.locator('main b').count(), 0, 'the text is not rendered as HTML');
  await page.waitForFunction(() => document.activeElement?.id === 'form-error', null, { timeout: 5000 });
  await checkA11y(page, '/tell error (JavaScript on)');

  // Correct it and send: it goes through with the same page.
  await page.getByLabel('It can wait a few days', { exact: true }).check();
  await chooseWorryDetails(page);
  await page.getByRole('button', { name: 'Send' }).click();
  const code = (await page.locator('[data-testid=follow-up-code]').innerText()).trim();
  assert.match(code, CODE_PATTERN);
  assert.equal(watch.navigations, 0);
  assert.equal(apiCalls(watch).length, 2);
  await page.close();
});

e2e('6b. with JavaScript on, a 10,001-character message is refused with the limit and kept', async () => {
  const { page, watch } = await openTell();
  const long = 'é'.repeat(9_990) + '0123456789a';
  assert.equal([...long].length, 10_001);
  // The textarea's maxlength stops typing at 10,000; a paste or an old browser may not.
  await page.locator('#worry-text').evaluate((el, value) => {
    el.removeAttribute('maxlength');
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, long);
  await page.getByLabel('It feels urgent', { exact: true }).check();
  await chooseWorryDetails(page);
  await page.getByRole('button', { name: 'Send' }).click();
  const summary = page.locator('.error-summary');
  await summary.waitFor({ state: 'visible' });
  const message = await summary.innerText();
  assert.match(message, /10,?001 characters/, message);
  assert.match(message, /10,?000 characters or fewer/, message);
  assert.equal(await page.locator('#worry-text').inputValue(), long, 'the long text is kept');
  assert.equal(await page.locator('#urgency-urgent').isChecked(), true, 'the urgency is kept');
  assert.equal(watch.navigations, 0);
  await page.close();
});
