// The safeguarding reports in real Chromium: two worries are sent (one to the team, one about
// the head); the admin invites a governor; the governor signs in, follows "Reports" to the
// termly report, sees one worry counted (the team's: never the head's queue), charts drawn as
// SVG with their tables, no names; axe clean and screenshots at 320 and 1280 px, with
// JavaScript on and off. The governor is refused the monthly report and the concerns; the DSL
// reads the monthly report with both worries.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, signIn, screenshots, chooseWorryDetails, submit, DSL_NAME } from './harness.js';

const ADMIN = 'admin@wexmoorvale.example.org';
const DSL = 'safeguarding@wexmoorvale.example.org';
const GOVERNOR = 'governor@wexmoorvale.example.org';
const GOVERNOR_NAME = 'Gideon Governor';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

async function tell(context, text, involves) {
  const page = await context.newPage();
  await page.goto('/tell');
  await page.locator('#worry-text').fill(text);
  await page.getByLabel('It can wait a few days', { exact: true }).check();
  await chooseWorryDetails(page, { about: 'a_friend', involves });
  const res = await submit(page, page.getByRole('button', { name: 'Send' }));
  assert.equal(res.status(), 200);
  await page.close();
}

e2e('a governor reads the termly report: counts only, no names, never the head queue', async () => {
  const anon = await env.newContext({ javaScriptEnabled: false });
  await tell(anon, 'Reports e2e worry for the team', 'nobody');
  await tell(anon, 'Reports e2e worry about the head', 'head');
  await anon.close();

  // The admin invites a governor.
  const admin = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, admin, ADMIN);
  const a = await admin.newPage();
  await a.goto('/admin/people');
  await a.locator('#invite-name').fill(GOVERNOR_NAME);
  await a.locator('#invite-email').fill(GOVERNOR);
  await a.locator('#invite-role-governor').check();
  const invited = await submit(a, a.getByRole('button', { name: 'Invite' }));
  assert.ok(invited.status() < 400, `invite: ${invited.status()}`);
  await admin.close();

  // The governor: "Reports" in the nav, the termly report.
  const gov = await env.newContext();
  await signIn(env.server, gov, GOVERNOR);
  const p = await gov.newPage();
  await p.goto('/me');
  await Promise.all([p.waitForURL((u) => u.pathname === '/reports/termly'), p.getByRole('link', { name: 'Reports' }).click()]);
  await p.getByRole('heading', { level: 1, name: 'Termly safeguarding report for governors' }).waitFor();
  assert.equal((await p.locator('[data-testid=total]').innerText()).trim(), '1');
  assert.match(await p.locator('[data-testid=left-out]').innerText(), /About the head or managing director/);
  const queues = await p.locator('[data-testid=table-queue] tbody tr').allInnerTexts();
  assert.equal(queues.length, 2, queues.join(' | '));
  assert.ok(queues.every((q) => !/head/i.test(q)), queues.join(' | '));
  assert.ok((await p.locator('svg.chart').count()) >= 8, 'the charts');
  const main = await p.getByRole('main').innerText();
  for (const name of [GOVERNOR_NAME, DSL_NAME, 'Alex Rivers', 'Dr Martin Ellery']) assert.ok(!main.includes(name), name);
  assert.ok(!main.includes('Reports e2e worry'), "a worry's words");
  await checkA11y(p, 'termly report (governor)');
  await screenshots(p, 'report-termly-governor', { a11y: true });
  // JavaScript off: the same page, axe clean.
  const noJs = await env.newContext({ javaScriptEnabled: false, storageState: await gov.storageState() });
  const q = await noJs.newPage();
  const shown = await q.goto('/reports/termly');
  assert.equal(shown.status(), 200);
  await screenshots(q, 'report-termly-governor-nojs', { a11y: true, browser: env.browser });
  await noJs.close();
  // The CSV with the page's session.
  const csv = await gov.request.get('/reports/termly.csv');
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-type'], /^text\/csv/);
  assert.match(await csv.text(), /worries,Worries sent,1\r?\n/);
  // Refused: the monthly report, the concerns, the people.
  for (const path of ['/reports/monthly', '/worries', '/admin/people']) {
    const res = await p.goto(path);
    assert.equal(res.status(), 403, path);
  }
  await gov.close();

  // The DSL reads the monthly report: both worries (the head's queue is theirs to read).
  const dsl = await env.newContext();
  await signIn(env.server, dsl, DSL);
  const d = await dsl.newPage();
  await d.goto('/reports/monthly');
  assert.equal((await d.locator('[data-testid=total]').innerText()).trim(), '2');
  await checkA11y(d, 'monthly report (DSL)');
  await screenshots(d, 'report-monthly-dsl', { a11y: true });
  await dsl.close();
});
