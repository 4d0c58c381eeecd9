// The quiz retry rule in Chromium (JavaScript off: plain forms): after a failed attempt the
// learner sees which questions were wrong and every explanation, but not which option is right;
// the next attempt shows the questions and options in a new order; a pass then works as before.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setup, e2e, checkA11yNoJs, signIn, correctAnswers, submit, REPO_DIR } from './harness.js';

const LEARNER = 'learner@wexmoorvale.example.org';
const MODULE = 'four-cs-of-online-risk';

let env;

before(async () => {
  // The working tree's content (the quiz the answers are read from), not the copy built into
  // the binary: a shared target directory can hold another checkout's.
  env = await setup({ env: () => ({ APP_CONTENT_DIR: join(REPO_DIR, 'content') }) });
});

after(async () => {
  await env?.teardown();
});

/** The input ids in the order the page shows them. */
function shownOrder(page) {
  return page.locator('form.quiz input[type=radio], form.quiz input[type=checkbox]').evaluateAll((els) => els.map((e) => e.id));
}

e2e('a failed quiz shows what was wrong and why, not the right options; the retry comes in a new order', async () => {
  const ctx = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, ctx, LEARNER);
  const page = await ctx.newPage();
  let res = await page.goto(`/learn/${MODULE}/quiz`);
  assert.equal(res.status(), 200);
  const firstOrder = await shownOrder(page);

  // Right on the first two questions (content order), a wrong option on every other: a fail.
  const questions = correctAnswers(MODULE);
  for (const [i, q] of questions.entries()) {
    const pick = i < 2 ? q.correct : [q.all.find((o) => !q.correct.includes(o))];
    for (const o of pick) await page.locator(`#${q.id}-${o}`).check();
  }
  res = await submit(page, page.getByRole('button', { name: 'Send my answers' }));
  assert.equal(res.status(), 200);
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /Not passed this time/);
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /right answers are not shown/);

  for (const [i, q] of questions.entries()) {
    const section = page.locator(`section[aria-labelledby=result-${q.id}]`);
    const heading = await section.locator('h3').innerText();
    assert.match(await section.locator('.explanation').innerText(), /\S/, `${q.id}: the explanation is shown`);
    if (i < 2) {
      assert.match(heading, /: Right$/, q.id);
    } else {
      assert.match(heading, /: Not right$/, q.id);
      assert.equal(await section.locator('li.correct').count(), 0, `${q.id}: no option is marked correct`);
      assert.doesNotMatch(await section.innerText(), /Correct answer|Your answer, correct/, q.id);
      assert.match(await section.innerText(), /Your answer/, `${q.id}: their own choice is still shown`);
    }
  }
  assert.doesNotMatch(await page.locator('main').innerText(), /Correct answer/);
  await checkA11yNoJs(env.browser, page, 'a failed quiz result (answers not shown)');

  // The next attempt: a new order of questions and options.
  await submit(page, page.locator('[data-testid=retry]'));
  assert.equal(new URL(page.url()).pathname, `/learn/${MODULE}/quiz`);
  assert.notDeepEqual(await shownOrder(page), firstOrder, 'the retry shows a new order');
  for (const q of questions) {
    for (const o of q.correct) await page.locator(`#${q.id}-${o}`).check();
  }
  res = await submit(page, page.getByRole('button', { name: 'Send my answers' }));
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /You passed/);
  assert.ok((await page.locator('li.correct').count()) >= questions.length, 'a pass shows the right options');
  await ctx.close();
});
