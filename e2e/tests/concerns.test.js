// The staff concern forms in real Chromium: a member of staff reports a concern about a child
// (the form refused first, everything typed kept, then sent with the child's words exactly);
// the DSL reads it on the case page; the member of staff records a low-level concern about the
// head, which the head never sees and the chair does. axe runs on every page; screenshots at
// 320 and 1280 px wide go to target/screenshots/concerns-*.png.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { screenshots, setup, e2e, checkA11y, signIn, submit } from './harness.js';

const STAFF = 'staff@wexmoorvale.example.org';
const DSL = 'safeguarding@wexmoorvale.example.org';
const HEAD = 'principal@wexmoorvale.example.org';
const CHAIR = 'chair@wexmoorvale.example.org';
const WORDS = '  he said  "don\'t tell mum"\n\n   <b>I hate</b> going home  ';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

e2e('a member of staff reports a concern about a child; the DSL reads the child\'s words exactly', async () => {
  const staffCtx = await env.newContext();
  await signIn(env.server, staffCtx, STAFF);
  const staff = await staffCtx.newPage();
  let res = await staff.goto('/staff-concern');
  assert.equal(res.status(), 200);
  await checkA11y(staff, 'the staff concern form');
  await screenshots(staff, 'concerns-staff-form');

  // Half filled: refused, each problem linked, what was typed kept.
  await staff.getByLabel('The child\'s name').fill('Jamie Doe');
  await staff.getByLabel('What did the child say, in their own words?').fill(WORDS);
  res = await submit(staff, staff.getByRole('button', { name: 'Send' }));
  assert.equal(res.status(), 422);
  const summary = staff.locator('.error-summary');
  assert.match(await summary.innerText(), /Enter where it happened/);
  assert.match(await summary.innerText(), /Say whether anyone is in immediate danger/);
  assert.equal(await staff.getByLabel('What did the child say, in their own words?').inputValue(), WORDS);
  await checkA11y(staff, 'the staff concern form, refused');
  await screenshots(staff, 'concerns-staff-form-refused');

  await staff.getByLabel('Date', { exact: true }).fill('2026-11-30');
  await staff.getByLabel('Where did it happen?').fill('The IT suite');
  await staff.getByLabel('What did you do, and what did you say?').fill('Listened, then came here.');
  await staff.locator('#danger-no').check();
  await staff.locator('#involves-nobody').check();
  res = await submit(staff, staff.getByRole('button', { name: 'Send' }));
  assert.equal(res.status(), 200);
  assert.equal(await staff.locator('[data-testid=child-words]').evaluate((e) => e.textContent), WORDS);
  await checkA11y(staff, 'the staff concern, sent');
  await screenshots(staff, 'concerns-staff-sent');

  // The DSL: the report field by field on the case page.
  const dslCtx = await env.newContext();
  await signIn(env.server, dslCtx, DSL);
  const dsl = await dslCtx.newPage();
  await dsl.goto('/worries');
  res = await submit(dsl, dsl.locator('a[href^="/worries/"]').first());
  assert.equal(res.status(), 200);
  const words = await dsl.locator('[data-testid=child-words]').evaluate((e) => e.textContent);
  assert.equal(words, WORDS);
  assert.match(await dsl.locator('[data-testid=staff-report]').innerText(), /Jamie Doe/);
  await checkA11y(dsl, 'the case page of a staff report');
  await screenshots(dsl, 'concerns-case');
});

e2e('a low-level concern about the head reaches the chair, never the head', async () => {
  const staffCtx = await env.newContext();
  await signIn(env.server, staffCtx, STAFF);
  const staff = await staffCtx.newPage();
  let res = await staff.goto('/staff-concern/low-level');
  assert.equal(res.status(), 200);
  await checkA11y(staff, 'the low-level concern form');
  await screenshots(staff, 'concerns-low-level-form');
  await staff.getByLabel('Who is it about?').selectOption({ label: 'Dr Martin Ellery' });
  await staff.getByLabel('What happened?').fill('Kept a pupil behind alone with the door shut.');
  await staff.getByLabel('Date', { exact: true }).fill('2026-11-28');
  await staff.locator('#threshold-no').check();
  res = await submit(staff, staff.getByRole('button', { name: 'Record it' }));
  assert.equal(res.status(), 200);
  assert.match(await staff.locator('[data-testid=recorded]').innerText(), /recorded/);
  assert.match(await staff.locator('[data-testid=own-concerns]').innerText(), /Dr Martin Ellery/);
  await checkA11y(staff, 'the low-level concern form, recorded');
  await screenshots(staff, 'concerns-low-level-recorded');

  const headCtx = await env.newContext();
  await signIn(env.server, headCtx, HEAD);
  const head = await headCtx.newPage();
  res = await head.goto('/low-level-concerns');
  assert.equal(res.status(), 200);
  assert.equal(await head.locator('[data-testid=no-concerns]').count(), 1);
  assert.doesNotMatch(await head.locator('main').innerText(), /door shut/);

  const chairCtx = await env.newContext();
  await signIn(env.server, chairCtx, CHAIR);
  const chair = await chairCtx.newPage();
  res = await chair.goto('/low-level-concerns');
  assert.equal(res.status(), 200);
  assert.match(await chair.locator('[data-testid=patterns]').innerText(), /Dr Martin Ellery\s+1/);
  await checkA11y(chair, 'the low-level concerns log');
  await screenshots(chair, 'concerns-low-level-log');
});
