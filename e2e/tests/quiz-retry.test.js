// The quiz retry rule in Chromium (JavaScript off: plain forms): an attempt shows 6 questions of
// the bank; after a failed attempt the learner sees which questions were wrong and every
// explanation, but not which option is right; the next attempt draws a new paper; after a second
// fail the quiz stays closed (409) until the sections of the missed questions have been opened
// again from the links given; then a pass works as before.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setup, e2e, checkA11yNoJs, signIn, correctAnswers, submit, resultsPath, REPO_DIR } from './harness.js';

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

/** The question ids the attempt shows (6 of the bank), in order. */
function shownQuestions(page) {
  return page
    .locator('form.quiz fieldset.question input')
    .evaluateAll((els) => [...new Set(els.map((e) => e.name.replace(/^answer-/, '')))]);
}

/** Answers the questions shown: right on the first `right` of them, a wrong option on the rest. */
async function answer(page, bank, right) {
  const shown = await shownQuestions(page);
  for (const [i, id] of shown.entries()) {
    const q = bank.find((b) => b.id === id);
    const pick = i < right ? q.correct : [q.all.find((o) => !q.correct.includes(o))];
    for (const o of pick) await page.locator(`#${q.id}-${o}`).check();
  }
  return shown;
}

e2e('a failed quiz shows what was wrong and why, not the right options; the retry draws a new paper; two fails send the learner back to the sections before a third', async () => {
  const ctx = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, ctx, LEARNER);
  const page = await ctx.newPage();
  let res = await page.goto(`/learn/${MODULE}/quiz`);
  assert.equal(res.status(), 200);
  const firstOrder = await shownOrder(page);
  const bank = correctAnswers(MODULE);
  assert.ok(bank.length >= 10, 'the quiz is a bank of at least 10');

  // Right on the first two questions shown, a wrong option on every other: a fail.
  const first = await answer(page, bank, 2);
  assert.equal(first.length, 6, 'an attempt shows 6 of the bank');
  res = await submit(page, page.getByRole('button', { name: 'Send my answers' }));
  assert.equal(res.status(), 200);
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /Not passed this time/);
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /right answers are not shown/);
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /out of 6\b/);
  assert.equal(await page.locator('section.question-result').count(), 6, 'only the questions shown are marked');

  for (const [i, id] of first.entries()) {
    const section = page.locator(`section[aria-labelledby=result-${id}]`);
    const heading = await section.locator('h3').innerText();
    assert.match(await section.locator('.explanation').innerText(), /\S/, `${id}: the explanation is shown`);
    if (i < 2) {
      assert.match(heading, /: Right$/, id);
    } else {
      assert.match(heading, /: Not right$/, id);
      assert.equal(await section.locator('li.correct').count(), 0, `${id}: no option is marked correct`);
      assert.doesNotMatch(await section.innerText(), /Correct answer|Your answer, correct/, id);
      assert.match(await section.innerText(), /Your answer/, `${id}: their own choice is still shown`);
    }
  }
  assert.doesNotMatch(await page.locator('main').innerText(), /Correct answer/);
  assert.equal(await page.locator('[data-testid=read-again]').count(), 0, 'one fail: no need to read again yet');
  await checkA11yNoJs(env.browser, page, 'a failed quiz result (answers not shown)');

  // The next attempt: a new draw or order of questions and options. All wrong: a second fail.
  await submit(page, page.locator('[data-testid=retry]'));
  assert.equal(new URL(page.url()).pathname, `/learn/${MODULE}/quiz`);
  assert.notDeepEqual(await shownOrder(page), firstOrder, 'the retry shows a new paper');
  await answer(page, bank, 0);
  res = await submit(page, page.getByRole('button', { name: 'Send my answers' }));
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /Not passed this time/);
  assert.equal(await page.locator('[data-testid=retry]').count(), 0, 'no third try straight away');
  const links = page.locator('[data-testid=read-again-sections] a');
  assert.ok((await links.count()) >= 1, 'links to the sections the missed questions come from');
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const h of hrefs) assert.match(h, new RegExp(`^/learn/${MODULE}\\?section=\\d+$`));
  await checkA11yNoJs(env.browser, page, 'a second failed quiz result (read these parts again)');

  // The quiz stays closed until every one of those sections has been opened again.
  res = await page.goto(`/learn/${MODULE}/quiz`);
  assert.equal(res.status(), 409);
  assert.match(await page.locator('[data-testid=read-again]').innerText(), /two times in a row/);
  assert.equal(await page.locator('form.quiz').count(), 0);

  // My training says so in plain words, with the same sections as links, and offers no quiz.
  res = await page.goto('/me/training');
  assert.equal(res.status(), 200);
  const row = page.locator(`[data-testid=training-${MODULE}]`);
  assert.match(await row.locator('[data-testid=read-again-first]').innerText(), /^Read the sections again before your next try: .+\.$/);
  assert.deepEqual(await row.locator('[data-testid=read-again-first] a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), hrefs);
  assert.equal(await row.locator(`a[href="/learn/${MODULE}/quiz"]`).count(), 0, 'no quiz offered in the row');
  assert.equal(await page.locator(`[data-testid=next-step] a[href="/learn/${MODULE}/quiz"]`).count(), 0, 'nor in What to do next');
  await checkA11yNoJs(env.browser, page, 'My training with a quiz locked');
  await page.setViewportSize({ width: 320, height: 900 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `My training scrolls sideways by ${overflow}px at 320 px`);
  await page.screenshot({ path: resultsPath('training-read-again-320.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: resultsPath('training-read-again-1280.png'), fullPage: true });
  for (const [k, h] of hrefs.entries()) {
    res = await page.goto(h);
    assert.equal(res.status(), 200);
    res = await page.goto(`/learn/${MODULE}/quiz`);
    assert.equal(res.status(), k + 1 < hrefs.length ? 409 : 200, `after opening ${k + 1} of ${hrefs.length} sections`);
  }

  // The third attempt: right on every question shown, a pass.
  await answer(page, bank, 6);
  res = await submit(page, page.getByRole('button', { name: 'Send my answers' }));
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /You passed/);
  assert.ok((await page.locator('li.correct').count()) >= 6, 'a pass shows the right options');
  await ctx.close();
});
