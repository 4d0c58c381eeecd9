// The worry form with JavaScript on. It has no island (about 200 KB gzip of WASM and JS was not
// worth it against /tell's 60 KB budget: see ISLAND_PAGES in app/src/shell.rs), so it is the same
// plain form post as with JavaScript off, and loads no script; then the follow-up look-up with
// the code it gave.

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
  signIn,
  resultsPath,
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

/** Opens /tell; records the requests it makes. */
async function openTell() {
  const page = await context.newPage();
  const watch = { requests: [] };
  page.on('request', (r) => watch.requests.push(r));
  const response = await page.goto('/tell');
  assert.equal(response.status(), 200);
  await waitForHydration(page);
  return { page, watch };
}

/** Scripts, WebAssembly and server-function calls among the requests. */
function scripted(watch) {
  return watch.requests
    .filter((r) => ['script', 'fetch', 'xhr'].includes(r.resourceType()) || r.url().endsWith('.wasm'))
    .map((r) => r.url());
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

e2e('4. with JavaScript on, a worry is sent by the plain form (no script loaded) and can be followed up', async () => {
  const errorsBefore = browserErrors().length;
  const { page, watch } = await openTell();
  assert.equal(await page.locator('script[src]').count(), 0, '/tell loads no script');
  await page.locator('#worry-text').fill('Someone in my year keeps messaging me at night and it is scaring me.');
  await page.getByLabel('I would like someone to look at it soon', { exact: true }).check();
  await chooseWorryDetails(page);

  const [sent] = await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name: 'Send' }).click(),
  ]);
  assert.equal(sent.request().method(), 'POST');
  assert.equal(sent.status(), 200);

  const codeEl = page.locator('[data-testid=follow-up-code]');
  await codeEl.waitFor({ state: 'visible' });
  const code = (await codeEl.innerText()).trim();
  assert.match(code, CODE_PATTERN, `follow-up code format: ${code}`);
  assert.equal(new URL(page.url()).pathname, '/tell');
  assert.deepEqual(scripted(watch), [], 'no script, WASM or server-function call');

  const confirmation = page.locator('section.confirmation');
  const confirmationText = await confirmation.innerText();
  assert.match(confirmationText, /Your message has been sent/);
  assert.ok(confirmationText.includes(todayForPeople()), `saved today (${todayForPeople()}): ${confirmationText}`);
  assert.doesNotMatch(confirmationText, /already been sent/);
  assert.equal(await page.locator('#worry-text').count(), 0, 'the form is replaced by the confirmation');
  await checkA11y(page, '/tell confirmation (JavaScript on)');

  // Follow up: exact code.
  let response = await lookUp(page, code);
  assert.equal(response.status(), 200);
  assert.equal(await page.locator('#code').inputValue(), '', 'the code is not left in the look-up box');
  assert.match(await page.locator('main').innerText(), /Someone in my year keeps messaging me at night/, 'their own words');
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

e2e('6a. with JavaScript on, a refused form comes back with the error and the text kept', async () => {
  const { page } = await openTell();
  await page.locator('#worry-text').fill(TRICKY_TEXT);
  // Let the form go without an urgency (the browser would otherwise stop it).
  await page.evaluate(() => document.querySelectorAll('form.worry-form [required]').forEach((el) => el.removeAttribute('required')));
  const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send' }).click()]);
  assert.equal(response.status(), 422);
  const summary = page.locator('.error-summary');
  await summary.waitFor({ state: 'visible' });
  assert.equal(await summary.getAttribute('role'), 'alert');
  assert.match(await summary.innerText(), /Please choose how urgent it feels/);
  assert.equal(new URL(page.url()).pathname, '/tell');
  assert.equal(await page.locator('#worry-text').inputValue(), TRICKY_TEXT, 'the text is kept exactly');
  assert.equal(await page.locator('main b').count(), 0, 'the text is not rendered as HTML');
  await checkA11y(page, '/tell error (JavaScript on)');

  // Correct it and send: it goes through.
  await page.getByLabel('It can wait a few days', { exact: true }).check();
  await chooseWorryDetails(page);
  const [again] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send' }).click()]);
  assert.equal(again.status(), 200);
  const code = (await page.locator('[data-testid=follow-up-code]').innerText()).trim();
  assert.match(code, CODE_PATTERN);
  await page.close();
});

e2e('6b. with JavaScript on, a 10,001-character message is refused with the limit and kept', async () => {
  const { page } = await openTell();
  const long = 'é'.repeat(9_990) + '0123456789a';
  assert.equal([...long].length, 10_001);
  // The browser never cuts it (no maxlength: a cut paste would be sent half-finished); the
  // server refuses it with the text kept.
  assert.equal(await page.locator('#worry-text').getAttribute('maxlength'), null);
  await page.locator('#worry-text').fill(long);
  assert.equal(await page.locator('#worry-text').inputValue(), long, 'nothing cut');
  await page.getByLabel('It feels urgent', { exact: true }).check();
  await chooseWorryDetails(page);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send' }).click()]);
  const summary = page.locator('.error-summary');
  await summary.waitFor({ state: 'visible' });
  const message = await summary.innerText();
  assert.match(message, /10,?001 characters/, message);
  assert.match(message, /10,?000 characters or fewer/, message);
  assert.equal(await page.locator('#worry-text').inputValue(), long, 'the long text is kept');
  assert.equal(await page.locator('#urgency-urgent').isChecked(), true, 'the urgency is kept');
  await page.close();
});

e2e('4c. on a phone (320x640) the first question is on the first screen, and the confirmation is in view after Send', async () => {
  const phone = await env.newContext({ viewport: { width: 320, height: 640 } });
  const page = await phone.newPage();
  await page.goto('/tell');
  const legend = page.locator('form.worry-form fieldset legend').first();
  assert.equal((await legend.innerText()).trim(), 'Who is affected?');
  const box = await legend.boundingBox();
  assert.ok(box.y + box.height < 640, `the first question is on the first screen: ${JSON.stringify(box)}`);

  await page.locator('#worry-text').fill('Someone posted a photo of me without asking.');
  await page.locator('#urgency-can_wait').check();
  await chooseWorryDetails(page);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send' }).click()]);
  const heading = await page.locator('#sent-heading').boundingBox();
  assert.ok(heading.y >= 0 && heading.y + heading.height <= 640, `the confirmation is in view: ${JSON.stringify(heading)}`);
  await page.screenshot({ path: resultsPath('tell-sent-320-js.png') });
  await phone.close();
});

e2e('4d. signed in, "Email me when there is a reply" is offered for a named worry, off unless ticked', async () => {
  const learner = await env.newContext();
  await signIn(env.server, learner, 'learner@wexmoorvale.example.org');
  const page = await learner.newPage();
  await page.goto('/tell');
  await waitForHydration(page);
  const box = page.locator('#email_replies');
  assert.equal(await box.count(), 1);
  // Shown whichever is chosen (the form has no script); its hint says it is for a named worry.
  await page.locator('#identity-named').check();
  assert.equal(await box.isVisible(), true, 'shown with the name');
  assert.match(await page.locator('#email_replies-hint').innerText(), /Only for a message sent with your name/);
  assert.equal(await box.isChecked(), false, 'off by default');
  assert.equal(await box.getAttribute('name'), 'email_replies');
  assert.equal(await box.getAttribute('value'), 'yes');
  assert.match(await page.locator('#email_replies-hint').innerText(), /says only "You have a new message"/);
  await checkA11y(page, '/tell signed in, named');

  // Signed out there is nothing of it.
  const anon = await context.newPage();
  await anon.goto('/tell');
  assert.equal(await anon.locator('#email_replies').count(), 0);
  await anon.close();
  await learner.close();
});
