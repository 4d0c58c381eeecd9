// Easy read in real Chromium: the demo learner switches to easy read on a module page (a plain
// form button, used from the keyboard), reads the easy-read module section by section, passes
// the easy-read quiz, and My training shows the module done. axe runs on the easy-read section
// and quiz; a 320 px wide screenshot of the easy-read page is kept in test-results.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, e2e, checkA11y, signIn, submit, resultsPath, REPO_DIR } from './harness.js';

const LEARNER = 'learner@wexmoorvale.example.org';
const MODULE = 'social-media-and-messaging';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

/** The correct option ids of each question of the easy-read quiz (`q1` -> ['b']). */
function easyReadAnswers() {
  const text = readFileSync(join(REPO_DIR, 'content/quizzes/easy-read', `${MODULE}-quiz.md`), 'utf8');
  const out = new Map();
  let q = 0;
  let option = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) {
      q += 1;
      out.set(`q${q}`, []);
      option = 0;
    } else if (line.startsWith('- [')) {
      const id = String.fromCharCode(97 + option);
      option += 1;
      if (line.startsWith('- [x]')) out.get(`q${q}`).push(id);
    }
  }
  return out;
}

e2e('a learner switches to easy read, reads, passes the easy-read quiz and the module shows done', async () => {
  const context = await env.newContext();
  await signIn(env.server, context, LEARNER);
  const page = await context.newPage();

  let res = await page.goto(`/learn/${MODULE}`);
  assert.equal(res.status(), 200);
  const level = page.locator('[data-testid=reading-level]');
  assert.equal((await level.innerText()).trim(), 'You are reading the standard version.');

  // The switch, from the keyboard: focus the button and press Enter.
  const button = page.getByRole('button', { name: 'Use easy read' });
  await button.focus();
  // (The page is already at this address: wait for the form's POST and the page it leads to.)
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/me/reading-level'),
    page.keyboard.press('Enter'),
  ]);
  await page.waitForSelector('[data-testid=reading-level]:has-text("easy-read version")');
  assert.equal((await level.innerText()).trim(), 'You are reading the easy-read version.');
  assert.match(await page.locator('h1').innerText(), /\(easy read\)/);
  await checkA11y(page, `/learn/${MODULE} (easy read)`);

  // A look at 320 px wide: nothing scrolls sideways.
  await page.setViewportSize({ width: 320, height: 900 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the easy-read page scrolls sideways by ${overflow}px at 320 px`);
  await page.screenshot({ path: resultsPath('easy-read-320.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Reading to the end, then the quiz.
  const position = () => page.locator('[data-testid=reading-position]').innerText();
  const count = Number((await position()).match(/of (\d+)/)[1]);
  for (let i = 1; i < count; i++) await submit(page, page.getByRole('button', { name: 'Next' }));
  await submit(page, page.getByRole('link', { name: 'Take the quiz' }));
  assert.equal(new URL(page.url()).pathname, `/learn/${MODULE}/quiz`);
  await checkA11y(page, 'the easy-read quiz');

  const answers = easyReadAnswers();
  const shown = await page.$$eval('input[name^="answer-"]', (els) => [...new Set(els.map((e) => e.name.slice('answer-'.length)))]);
  assert.ok(shown.length > 0);
  for (const q of shown) {
    assert.ok(answers.has(q), `${q} is a question of the easy-read bank`);
    for (const o of answers.get(q)) await page.locator(`#${q}-${o}`).check();
  }
  res = await submit(page, page.getByRole('button', { name: 'Send my answers' }));
  assert.equal(res.status(), 200);
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /You passed/);

  // The same module, done.
  await page.goto('/me/training');
  assert.match(await page.locator(`[data-testid=training-${MODULE}]`).innerText(), /Done/);
  await context.close();
});
