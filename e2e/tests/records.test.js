// Person records in real Chromium, JavaScript off: someone sends a worry about a friend; the DSL
// opens it, links it to a new record for the friend it names (a missing name is refused first,
// with the GOV.UK error summary), opens the record and finds the worry in its chronology, then
// finds the record by part of the name. axe on each page; screenshots at 320 and 1280 px.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11yNoJs, signIn, pageText, screenshots } from './harness.js';

const DSL = 'safeguarding@wexmoorvale.example.org';
const TEXT = 'My friend Jamie Fox in 9C is being asked for photos by someone online.';

let env;
let anon;
let dsl;

before(async () => {
  env = await setup();
  anon = await env.newContext({ javaScriptEnabled: false });
  dsl = await env.newContext({ javaScriptEnabled: false });
});

after(async () => {
  await anon?.close();
  await dsl?.close();
  await env?.teardown();
});

async function submit(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation(), locator.click()]);
  return response;
}

e2e('the DSL links a worry to a new record for the friend it names and reads it there', async () => {
  const ap = await anon.newPage();
  await ap.goto('/tell');
  await ap.locator('#about-a_friend').check();
  await ap.locator('#involves-nobody').check();
  await ap.locator('#kind-bullying').check();
  await ap.locator('#urgency-soon').check();
  await ap.locator('#worry-text').fill(TEXT);
  await ap.locator('#wants_contact-no').check();
  assert.equal((await submit(ap, ap.getByRole('button', { name: 'Send' }))).status(), 200);

  await signIn(env.server, dsl, DSL);
  const page = await dsl.newPage();
  await page.goto('/worries');
  const href = await page.locator('a[href^="/worries/"]').filter({ hasText: /./ }).evaluateAll((links) =>
    links.map((a) => a.getAttribute('href')).find((h) => /^\/worries\/[0-9a-f-]{36}$/.test(h)));
  assert.ok(href, 'the worry is in the inbox');
  await page.goto(href);
  const people = page.locator('[data-testid=person-links]');
  assert.match(await people.innerText(), /Not linked to anyone's record yet/);
  await submit(page, people.getByRole('link', { name: 'Link to a person' }));
  assert.equal(new URL(page.url()).pathname, `${href}/people`);

  // Searching first: nobody has a record yet.
  await page.getByLabel('Name', { exact: true }).first().fill('jamie');
  await submit(page, page.getByRole('button', { name: 'Search' }));
  assert.match(await pageText(page), /No record has a name like that/);

  // A missing name: the error summary links to the field, what was typed is kept.
  await page.locator('#new-group').fill('9C');
  const refused = await submit(page, page.getByRole('button', { name: 'Make the record and link it' }));
  assert.equal(refused.status(), 422);
  const summary = page.locator('.error-summary');
  assert.match(await summary.innerText(), /Enter the person's name/);
  assert.equal(await summary.locator('a').getAttribute('href'), '#new-name');
  assert.equal(await page.locator('#new-group').inputValue(), '9C');
  assert.equal(await page.locator('#new-name').getAttribute('aria-invalid'), 'true');
  await checkA11yNoJs(env.browser, page, 'link page with an error');

  await page.locator('#new-name').fill('Jamie Fox');
  await page.locator('#new-date_of_birth').fill('2012-09-14');
  const made = await submit(page, page.getByRole('button', { name: 'Make the record and link it' }));
  assert.equal(made.status(), 200);
  assert.match(await page.locator('[data-testid=notice]').innerText(), /A record was made for Jamie Fox/);
  await screenshots(page, 'records-link', { a11y: true, browser: env.browser });

  // The record: the worry in its chronology, linked back; the DSL sees who opened it.
  await submit(page, page.locator('[data-testid=linked]').getByRole('link', { name: 'Jamie Fox' }));
  assert.equal(await page.locator('[data-testid=record-name]').innerText(), 'Jamie Fox');
  const facts = await page.locator('[data-testid=record-facts]').innerText();
  assert.match(facts, /14 September 2012/);
  assert.match(facts, /9C/);
  const chronology = await page.locator('[data-testid=chronology]').innerText();
  assert.ok(chronology.includes(TEXT), chronology);
  assert.match(chronology, /Created this record, from a concern/);
  assert.equal(await page.locator('[data-testid=concerns] tbody tr').count(), 1);
  assert.match(await page.locator('[data-testid=record-audit]').innerText(), /Priya Marsh\s+Viewed/);
  await screenshots(page, 'records-record', { a11y: true, browser: env.browser });

  // Found by part of the surname, with its count; the case page names the record.
  await page.goto('/records?q=FO');
  const results = page.locator('[data-testid=results]');
  assert.match(await results.innerText(), /Jamie Fox/);
  assert.equal(await results.locator('[data-testid=concern-count]').innerText(), '1 concern');
  await screenshots(page, 'records-search', { a11y: true, browser: env.browser });
  await page.goto(href);
  assert.match(await page.locator('[data-testid=person-links]').innerText(), /Jamie Fox/);
});
