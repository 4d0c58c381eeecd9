// The DSL's compliance view in real Chromium: the DSL sees the demo learner "not started" on a
// module (the number links to the list with the learner's name); the learner passes it; the
// dashboard now counts them done, and their record shows the version, the score and the
// certificate. The filter works with JavaScript off. Learners and staff are refused (403).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, checkA11yNoJs, signIn, answerShown, submit } from './harness.js';

const LEARNER = 'learner@wexmoorvale.example.org';
const LEARNER_NAME = 'Alex Rivers';
const STAFF = 'staff@wexmoorvale.example.org';
const DSL = 'safeguarding@wexmoorvale.example.org';
const MODULE = 'four-cs-of-online-risk';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

const cell = (page, id, col) => page.locator(`[data-testid=numbers-${id}] [data-testid=${col}]`).innerText();

e2e('a DSL sees a learner go from not started to passed, with the people behind each number', async () => {
  // Refused: a learner and a member of staff.
  for (const who of [LEARNER, STAFF]) {
    const ctx = await env.newContext();
    await signIn(env.server, ctx, who);
    const p = await ctx.newPage();
    for (const path of ['/compliance', `/compliance/list?item=MODULE%23${MODULE}`, '/compliance/export']) {
      const res = await p.goto(path);
      assert.equal(res.status(), 403, `${who} on ${path}`);
    }
    await ctx.close();
  }
  // Signed out: sent to sign in.
  const anon = await env.newContext();
  const r = await anon.request.get('/compliance', { maxRedirects: 0 });
  assert.equal(r.status(), 303);
  await anon.close();

  // The DSL: the learner has not started the module.
  const dsl = await env.newContext();
  await signIn(env.server, dsl, DSL);
  const d = await dsl.newPage();
  let res = await d.goto('/compliance');
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['cache-control'], 'no-store');
  assert.equal((await cell(d, MODULE, 'not-started')).trim().split(/\s/)[0], '1');
  assert.match(await cell(d, MODULE, 'done'), /^0/);
  await checkA11y(d, '/compliance');
  // One click to the people behind the number.
  await submit(d, d.locator(`[data-testid=numbers-${MODULE}] [data-testid=not-started] a`));
  assert.match(d.url(), /\/compliance\/list\?/);
  assert.match(await d.locator('[data-testid=people-list]').innerText(), new RegExp(LEARNER_NAME));
  await checkA11y(d, '/compliance/list');
  // Every page was reviewed in December 2026: no review is overdue, so no page is listed as overdue.
  await d.goto('/compliance');
  assert.equal(await d.locator('[data-testid=review-table]:has-text("overdue")').count(), 0);

  // The learner passes the module (JavaScript off: plain forms).
  const learner = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, learner, LEARNER);
  const lp = await learner.newPage();
  res = await lp.goto(`/learn/${MODULE}/quiz`);
  assert.equal(res.status(), 200);
  await answerShown(lp, MODULE, (q) => q.correct);
  res = await submit(lp, lp.getByRole('button', { name: 'Send my answers' }));
  assert.match(await lp.locator('[data-testid=quiz-verdict]').innerText(), /You passed/);
  await learner.close();

  // The DSL's numbers follow at once.
  await d.reload();
  assert.match(await cell(d, MODULE, 'done'), /^1 \(100%\)/);
  assert.equal((await cell(d, MODULE, 'not-started')).trim(), '0');
  // Filtered to learners (a plain GET form, JavaScript off).
  const nojs = await env.newContext({ javaScriptEnabled: false, storageState: await dsl.storageState() });
  const f = await nojs.newPage();
  await f.goto('/compliance');
  await f.locator('#f-role').selectOption('learner');
  await submit(f, f.getByRole('button', { name: 'Show' }));
  assert.match(f.url(), /role=learner/);
  assert.match(await f.locator('[data-testid=compliance-totals]').innerText(), /^1 people/m);
  assert.equal(await f.locator(`[data-testid=numbers-staff-filtering-and-monitoring]`).count(), 0, 'staff modules are not a learner\'s');
  await checkA11yNoJs(env.browser, f, '/compliance?role=learner (no JS)');
  await nojs.close();

  // The learner's record: the completion with version, score and certificate.
  await d.goto(`/compliance/list?item=MODULE%23${MODULE}&standing=in-date`);
  await submit(d, d.getByRole('link', { name: LEARNER_NAME }));
  assert.match(d.url(), /\/compliance\/people\//);
  assert.equal((await d.locator('[data-testid=person-name]').innerText()).trim(), LEARNER_NAME);
  const history = await d.locator('[data-testid=history]').innerText();
  assert.match(history, /Quiz (\d+) out of \1/);
  assert.match(history, /Certificate [0-9A-Z]{16}/);
  await checkA11y(d, '/compliance/people/{id}');
  // A guessed person id is not found.
  res = await d.goto('/compliance/people/0190f3a0-0000-7000-8000-00000000beef');
  assert.equal(res.status(), 404);
  await dsl.close();
});

e2e('the compliance tables sort by a column with the keyboard, JavaScript off, the filter kept', async () => {
  const ctx = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, ctx, DSL);
  const p = await ctx.newPage();
  const list = '/compliance/list?item=MODULE%23staff-roles-and-responsibilities';
  let res = await p.goto(list);
  assert.equal(res.status(), 200);
  const names = () => p.locator('[data-testid=people-list] tbody th').allInnerTexts();
  const first = (await names()).map((t) => t.trim());
  assert.equal(await p.locator('[data-testid=people-list] th[aria-sort=ascending]').innerText(), 'Name');
  // The Name header is a link: Enter on it asks for Z to A, sorted on the server.
  await p.locator('[data-testid=people-list] thead a', { hasText: 'Name' }).focus();
  await Promise.all([p.waitForURL(/sort=name&dir=desc/), p.keyboard.press('Enter')]);
  assert.ok(p.url().includes('item=MODULE%23staff-roles-and-responsibilities'), p.url());
  assert.equal(await p.locator('[data-testid=people-list] th[aria-sort=descending]').innerText(), 'Name');
  assert.deepEqual((await names()).map((t) => t.trim()), [...first].reverse());
  await checkA11yNoJs(env.browser, p, '/compliance/list (sorted)');
  // The dashboard keeps the role filter in its header links, and its filter form keeps the order.
  res = await p.goto('/compliance?role=staff');
  assert.equal(res.status(), 200);
  await Promise.all([p.waitForURL(/sort=assigned/), p.locator('[data-testid=modules-table] thead a', { hasText: 'Assigned' }).click()]);
  assert.ok(p.url().includes('role=staff'), p.url());
  assert.equal(await p.locator('[data-testid=modules-table] th[aria-sort=ascending]').innerText(), 'Assigned');
  await p.locator('#f-role').selectOption('learner');
  await Promise.all([p.waitForURL(/role=learner/), p.locator('[data-testid=compliance-filter]').getByRole('button', { name: 'Show' }).click()]);
  assert.ok(p.url().includes('sort=assigned'), p.url());
  await checkA11yNoJs(env.browser, p, '/compliance (sorted)');
  await ctx.close();
});
