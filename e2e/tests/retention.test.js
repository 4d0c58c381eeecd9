// Retention in real Chromium, JavaScript off: two worries are linked to records of a child born
// in 1990 (so past the 25th birthday) and closed; the DSL opens the retention page and sees both
// due, places a legal hold on one (a missing reason is refused first, with the error summary),
// confirms the deletion of the other (the box unticked is refused first) and sees its tombstone,
// with none of the worry's words; the child's record, left with no concern, is then due and
// deleted too. Then low-level concerns: a member of staff records one about a
// visiting coach (not on the platform); the head (who reads them here) sees it on the retention
// page with the date they left not known, records it (a future date refused first), and deletes
// it once due. axe on each page; screenshots at 320 and 1280 px.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11yNoJs, signIn, pageText, screenshots, submit } from './harness.js';

const DSL = 'safeguarding@wexmoorvale.example.org';
const STAFF = 'staff@wexmoorvale.example.org';
const HEAD = 'principal@wexmoorvale.example.org';
const TEXTS = [
  'Wombat-one: my friend was sent horrible messages.',
  'Wombat-two: someone posted a photo of my friend.',
];

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

async function tell(text) {
  const ap = await anon.newPage();
  await ap.goto('/tell');
  await ap.locator('#about-a_friend').check();
  await ap.locator('#involves-nobody').check();
  await ap.locator('#kind-bullying').check();
  await ap.locator('#urgency-soon').check();
  await ap.locator('#worry-text').fill(text);
  await ap.locator('#wants_contact-no').check();
  assert.equal((await submit(ap, ap.getByRole('button', { name: 'Send' }))).status(), 200);
  await ap.close();
}

async function details(root, summary) {
  await root.locator('summary', { hasText: summary }).first().click();
  return root.locator('details[open]').first();
}

e2e('the DSL reviews records past their period, holds one, deletes one and sees its tombstone', async () => {
  for (const t of TEXTS) await tell(t);
  await signIn(env.server, dsl, DSL);
  const page = await dsl.newPage();

  // Find each worry, link it to a record with a date of birth, close it.
  await page.goto('/worries');
  const hrefs = await page.locator('a[href^="/worries/"]').evaluateAll((links) =>
    [...new Set(links.map((a) => a.getAttribute('href')).filter((h) => /^\/worries\/[0-9a-f-]{36}$/.test(h)))]);
  const ids = {};
  for (const href of hrefs) {
    await page.goto(href);
    const text = await pageText(page);
    TEXTS.forEach((t, i) => { if (text.includes(t)) ids[i] = href.split('/').pop(); });
  }
  assert.ok(ids[0] && ids[1], 'both worries are in the inbox');
  for (const [i, id] of Object.entries(ids)) {
    await page.goto(`/worries/${id}/people`);
    await page.locator('#new-name').fill(`Child Wombat ${i}`);
    await page.locator('#new-date_of_birth').fill('1990-02-0' + (Number(i) + 1));
    assert.equal((await submit(page, page.getByRole('button', { name: 'Make the record and link it' }))).status(), 200);
    await page.goto(`/worries/${id}`);
    const close = await details(page, 'Close it');
    await close.locator('select[name=outcome]').selectOption('resolved_internally');
    await close.locator('textarea').fill('Resolved.');
    assert.equal((await submit(page, close.locator('button[type=submit]'))).status(), 200);
  }

  // The retention page, from the navigation: both due, oldest due first.
  await page.goto('/');
  await submit(page, page.getByRole('link', { name: 'Retention', exact: true }));
  assert.equal(new URL(page.url()).pathname, '/retention');
  const due = page.locator('[data-testid=due]');
  assert.equal(await due.locator('tbody tr').count(), 2);
  assert.equal(await due.locator('tbody tr').first().getAttribute('data-worry'), ids[0]);
  assert.match(await due.innerText(), /1 February 2015/);
  assert.ok(!(await pageText(page)).includes('Wombat-'), 'no words of a worry on the page');
  assert.match(await page.locator('[data-testid=source]').innerText(), /IRMS Information Management Toolkit for Schools/);
  await screenshots(page, 'retention-review', { a11y: true, browser: env.browser });

  // A hold without a reason: refused with the error summary; then with one.
  let row = due.locator(`tr[data-worry="${ids[1]}"]`);
  let hold = await details(row, 'Place a legal hold');
  let res = await submit(page, hold.getByRole('button', { name: 'Place the hold' }));
  assert.equal(res.status(), 422);
  const summary = page.locator('.error-summary');
  assert.match(await summary.innerText(), /Enter why the record must be kept/);
  assert.equal(await summary.locator('a').getAttribute('href'), `#reason-${ids[1]}`);
  assert.equal(await page.locator(`#reason-${ids[1]}`).getAttribute('aria-invalid'), 'true');
  await checkA11yNoJs(env.browser, page, 'retention hold refused');
  row = page.locator(`[data-testid=due] tr[data-worry="${ids[1]}"]`);
  await row.locator('textarea[name=reason]').fill('Police investigation, crime ref 7/2026');
  res = await submit(page, row.getByRole('button', { name: 'Place the hold' }));
  assert.equal(res.status(), 200);
  assert.match(await page.locator('[data-testid=held]').innerText(), /Police investigation, crime ref 7\/2026/);
  assert.equal(await page.locator('[data-testid=due] tbody tr').count(), 1);

  // Review and delete the other: the confirmation names it; unticked, refused; ticked, deleted.
  await submit(page, page.locator(`[data-testid=due] tr[data-worry="${ids[0]}"]`).getByRole('link', { name: /Review and delete/ }));
  const confirm = page.locator('[data-testid=confirm]');
  assert.match(await confirm.innerText(), new RegExp(ids[0]));
  res = await submit(page, confirm.getByRole('button', { name: 'Delete this concern' }));
  assert.equal(res.status(), 422);
  assert.match(await page.locator('.error-summary').innerText(), /Tick the box/);
  assert.equal(await page.locator('#confirm-delete').getAttribute('aria-invalid'), 'true');
  await page.locator('#confirm-delete').check();
  await screenshots(page, 'retention-confirm', { a11y: true, browser: env.browser });
  res = await submit(page, page.getByRole('button', { name: 'Delete this concern' }));
  assert.equal(res.status(), 200);
  assert.match(await page.locator('[data-testid=notice]').innerText(), /Deleted/);
  const tombstones = await page.locator('[data-testid=tombstones]').innerText();
  assert.ok(tombstones.includes(ids[0]), tombstones);
  assert.match(tombstones, /Priya Marsh/);
  assert.ok(!(await pageText(page)).includes('Wombat-'));
  await screenshots(page, 'retention-tombstone', { a11y: true, browser: env.browser });

  // The worry is gone; the held one is still there.
  assert.equal((await page.goto(`/worries/${ids[0]}`)).status(), 404);
  assert.equal((await page.goto(`/worries/${ids[1]}`)).status(), 200);

  // The child's record lost its only concern and the child is past 25: the record is due. The
  // other child's record is kept while its (held) concern is linked.
  await page.goto('/retention');
  const records = page.locator('[data-testid=records-due]');
  const recordRow = records.locator('tr', { hasText: 'Child Wombat 0' });
  assert.equal(await recordRow.count(), 1);
  assert.equal(await records.locator('tr', { hasText: 'Child Wombat 1' }).count(), 0);
  assert.match(await page.locator('[data-testid=records-counts]').innerText(), /1 record past its period is kept/);
  const recordId = await recordRow.getAttribute('data-record');
  await screenshots(page, 'retention-records', { a11y: true, browser: env.browser });
  await submit(page, recordRow.getByRole('link', { name: /Review and delete/ }));
  const confirmRecord = page.locator('[data-testid=confirm]');
  assert.match(await confirmRecord.innerText(), /Child Wombat 0/);
  await page.locator('#confirm-delete').check();
  res = await submit(page, confirmRecord.getByRole('button', { name: 'Delete this person record' }));
  assert.equal(res.status(), 200);
  assert.match(await page.locator('[data-testid=tombstones]').innerText(), new RegExp(recordId));
  assert.equal((await page.goto(`/records/${recordId}`)).status(), 404);
});

e2e('the head records when a visiting coach left and deletes the low-level concern about them', async () => {
  const staffCtx = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, staffCtx, STAFF);
  const staff = await staffCtx.newPage();
  await staff.goto('/staff-concern/low-level');
  await staff.getByLabel('Who is it about?').selectOption({ value: 'other' });
  await staff.locator('#about_other').fill('Kit Coach, visiting football coach');
  await staff.getByLabel('What happened?').fill('Numbat-words: gave a pupil a lift home.');
  await staff.getByLabel('Date', { exact: true }).fill('2026-11-02');
  await staff.locator('#threshold-no').check();
  assert.equal((await submit(staff, staff.getByRole('button', { name: 'Record it' }))).status(), 200);
  await staffCtx.close();

  const headCtx = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, headCtx, HEAD);
  const page = await headCtx.newPage();
  await page.goto('/retention');
  const table = page.locator('[data-testid=low-level]');
  let row = table.locator('tr', { hasText: 'Kit Coach' });
  assert.equal(await row.count(), 1);
  const id = await row.getAttribute('data-concern');
  assert.match(await row.innerText(), /Not known/);
  assert.equal(await row.getByRole('link', { name: /Review and delete/ }).count(), 0, 'not due');
  assert.ok(!(await pageText(page)).includes('Numbat-'), 'no words of the concern');
  await row.locator('summary', { hasText: 'Record the date they left' }).click();
  await screenshots(page, 'retention-low-level', { a11y: true, browser: env.browser });

  // A date in the future: refused, with the summary linking to the field and the date kept.
  await row.locator('input[name=left_on]').fill('2099-07-31');
  let res = await submit(page, row.getByRole('button', { name: 'Record the date' }));
  assert.equal(res.status(), 422);
  const summary = page.locator('.error-summary');
  assert.match(await summary.innerText(), /today or in the past/);
  assert.equal(await summary.locator('a').getAttribute('href'), `#left-${id}`);
  assert.equal(await page.locator(`#left-${id}`).inputValue(), '2099-07-31');
  assert.equal(await page.locator(`#left-${id}`).getAttribute('aria-invalid'), 'true');
  await checkA11yNoJs(env.browser, page, 'retention leaving date refused');
  await screenshots(page, 'retention-low-level-refused', { a11y: false, browser: env.browser });

  row = page.locator(`[data-testid=low-level] tr[data-concern="${id}"]`);
  await row.locator('input[name=left_on]').fill('2024-07-19');
  res = await submit(page, row.getByRole('button', { name: 'Record the date' }));
  assert.equal(res.status(), 200);
  row = page.locator(`[data-testid=low-level] tr[data-concern="${id}"]`);
  assert.match(await row.innerText(), /19 July 2024 \(recorded here\)/);

  // Due now: review, confirm, delete; the tombstone names the log, not the person.
  await submit(page, row.getByRole('link', { name: /Review and delete/ }));
  const confirm = page.locator('[data-testid=confirm]');
  assert.match(await confirm.innerText(), /Kit Coach/);
  await page.locator('#confirm-delete').check();
  await screenshots(page, 'retention-low-level-confirm', { a11y: true, browser: env.browser });
  res = await submit(page, confirm.getByRole('button', { name: 'Delete this low-level concern' }));
  assert.equal(res.status(), 200);
  assert.equal(await page.locator(`tr[data-concern="${id}"]`).count(), 0);
  const tombstones = await page.locator('[data-testid=tombstones]').innerText();
  assert.ok(tombstones.includes(id), tombstones);
  assert.match(tombstones, /Low-level concerns log/);
  assert.ok(!tombstones.includes('Kit Coach'));
  await headCtx.close();
});
