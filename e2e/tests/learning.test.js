// The learning journey in real Chromium: the demo learner completes one module with JavaScript
// on and another with JavaScript off (My training, reading section by section with previous /
// next, failing then passing the quiz, the certificate), and someone signed out checks the
// certificate's code on /verify; the demo staff member signs the staff AUP and reads back
// exactly what they signed; a parent sees the parent AUP in My training. axe runs on each kind
// of page. (A new AUP version needing a new signature: aup-version.test.js.)

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, checkA11yNoJs, signIn, pageText, answerShown, submit } from './harness.js';

const LEARNER = 'learner@wexmoorvale.example.org';
const LEARNER_NAME = 'Alex Rivers';
const STAFF = 'staff@wexmoorvale.example.org';
const STAFF_NAME = 'Sam Carter';
const PARENT = 'parent@wexmoorvale.example.org';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

/** Check an axe run: with JavaScript off axe runs on a copy of the page. */
async function a11y(page, js, label) {
  if (js) await checkA11y(page, label);
  else await checkA11yNoJs(env.browser, page, label);
}

/** The learner does a module from My training to the certificate; returns the certificate code. */
async function completeModule(context, moduleId, js) {
  const page = await context.newPage();
  let res = await page.goto('/me/training');
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['cache-control'], 'no-store');
  assert.ok((await page.locator('[data-testid=next-step]').innerText()).includes('What to do next'));
  const row = page.locator(`[data-testid=training-${moduleId}]`);
  assert.equal(await row.count(), 1, `${moduleId} is in My training`);
  await a11y(page, js, '/me/training');

  // Reading, section by section: next, previous, next again; the position is kept.
  res = await page.goto(`/learn/${moduleId}`);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['cache-control'], 'no-store');
  const position = () => page.locator('[data-testid=reading-position]').innerText();
  assert.match(await position(), /^Part 1 of (\d+) · About \d+ minutes? left$/);
  const count = Number((await position()).match(/of (\d+)/)[1]);
  await a11y(page, js, `/learn/${moduleId} (a section)`);
  await submit(page, page.getByRole('button', { name: 'Next' }));
  assert.match(await position(), /^Part 2 of/);
  await submit(page, page.getByRole('button', { name: 'Previous' }));
  assert.match(await position(), /^Part 1 of/);
  for (let i = 1; i < count; i++) {
    await submit(page, page.getByRole('button', { name: 'Next' }));
  }
  assert.match(await position(), new RegExp(`^Part ${count} of ${count}`));
  await page.goto('/me/training');
  await page.goto(`/learn/${moduleId}`);
  assert.match(await position(), new RegExp(`^Part ${count} of`), 'coming back resumes where they stopped');

  // The quiz: fail first.
  await submit(page, page.getByRole('link', { name: 'Take the quiz' }));
  assert.equal(new URL(page.url()).pathname, `/learn/${moduleId}/quiz`);
  await a11y(page, js, 'the quiz');
  // An attempt shows 6 questions of the module's bank.
  assert.equal(await page.locator('fieldset.question').count(), 6);
  await answerShown(page, moduleId, (q) => [q.all.find((o) => !q.correct.includes(o))]);
  res = await submit(page, page.getByRole('button', { name: 'Send my answers' }));
  assert.equal(res.status(), 200);
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /Not passed this time/);
  assert.equal(await page.locator('[data-testid=certificate-link]').count(), 0);
  await a11y(page, js, 'a failed quiz result');

  // Then pass.
  await submit(page, page.locator('[data-testid=retry]'));
  await answerShown(page, moduleId, (q) => q.correct);
  res = await submit(page, page.getByRole('button', { name: 'Send my answers' }));
  assert.equal(res.status(), 200);
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /You passed/);
  await a11y(page, js, 'a passed quiz result');

  // The certificate.
  await submit(page, page.locator('[data-testid=certificate-link]'));
  assert.match(new URL(page.url()).pathname, /^\/certificates\/[0-9A-Z]{16}$/);
  assert.equal((await page.locator('[data-testid=certificate-name]').innerText()).trim(), LEARNER_NAME);
  const code = (await page.locator('[data-testid=certificate-code]').innerText()).trim();
  assert.match(code, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
  await a11y(page, js, 'the certificate');

  // My training shows it done, with the certificate linked.
  await page.goto('/me/training');
  assert.match(await row.innerText(), /Done/);
  assert.equal(await row.locator('a[href^="/certificates/"]').count(), 1);
  await page.close();
  return code;
}

/** Someone signed out checks a code on /verify. */
async function verify(code, what) {
  const context = await env.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto('/verify');
    await page.getByLabel('Certificate code').fill(code.toLowerCase());
    const res = await submit(page, page.getByRole('button', { name: 'Check' }));
    assert.equal(res.status(), 200);
    assert.equal((await page.locator('[data-testid=verify-name]').innerText()).trim(), LEARNER_NAME);
    assert.ok((await page.locator('[data-testid=verify-what]').innerText()).includes(what));
    await checkA11yNoJs(env.browser, page, '/verify');
    await page.getByLabel('Certificate code').fill('0000-0000-0000-0000');
    const unknown = await submit(page, page.getByRole('button', { name: 'Check' }));
    assert.equal(unknown.status(), 404);
    assert.ok(!(await pageText(page)).includes(LEARNER_NAME));
  } finally {
    await context.close();
  }
}

e2e('the learner completes a module with JavaScript on: reading, a failed then a passed quiz, the certificate, checked on /verify', async () => {
  const context = await env.newContext();
  try {
    await signIn(env.server, context, LEARNER);
    const page = await context.newPage();
    await page.goto('/');
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My training' }).count(), 1);
    await page.close();
    const code = await completeModule(context, 'four-cs-of-online-risk', true);
    await verify(code, 'The four Cs of online risk');
  } finally {
    await context.close();
  }
});

e2e('the learner completes another module with JavaScript off', async () => {
  const context = await env.newContext({ javaScriptEnabled: false });
  try {
    await signIn(env.server, context, LEARNER);
    const code = await completeModule(context, 'social-media-and-messaging', false);
    await verify(code, 'ocial media');
  } finally {
    await context.close();
  }
});

e2e('the DSL sees who has completed a module and which version; a learner may not', async () => {
  const dsl = await env.newContext({ javaScriptEnabled: false });
  const learner = await env.newContext({ javaScriptEnabled: false });
  try {
    await signIn(env.server, dsl, 'safeguarding@wexmoorvale.example.org');
    const page = await dsl.newPage();
    await page.goto('/learn');
    await submit(page, page.getByRole('link', { name: 'Who has completed it (The four Cs of online risk)' }));
    assert.equal(new URL(page.url()).pathname, '/completions/four-cs-of-online-risk');
    const table = await page.locator('[data-testid=roster]').innerText();
    assert.match(table, /Alex Rivers/, table);
    assert.match(await page.locator('[data-testid=roster-summary]').innerText(), /^1 completed\. 0 of them completed an older version/);
    await checkA11yNoJs(env.browser, page, '/completions/{module}');
    let res = await page.goto('/completions/no-such-module');
    assert.equal(res.status(), 404);

    await signIn(env.server, learner, LEARNER);
    const lp = await learner.newPage();
    res = await lp.goto('/completions/four-cs-of-online-risk');
    assert.equal(res.status(), 403, 'a learner cannot see who has completed what');
    await lp.goto('/learn');
    assert.equal(await lp.getByRole('link', { name: /Who has completed it/ }).count(), 0);
  } finally {
    await dsl.close();
    await learner.close();
  }
});

e2e('the staff member signs the staff AUP and reads back exactly what they signed', async () => {
  const context = await env.newContext({ javaScriptEnabled: false });
  try {
    await signIn(env.server, context, STAFF);
    const page = await context.newPage();
    let res = await page.goto('/me/training');
    assert.match(await page.locator('[data-testid=training-staff-aup]').innerText(), /Not started/);
    res = await page.goto('/aup/staff-aup');
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['cache-control'], 'no-store');
    const shown = await page.locator('[data-testid=aup-text]').innerHTML();
    await checkA11yNoJs(env.browser, page, 'the AUP form');

    // A name that is not theirs: refused, what was typed kept.
    await page.getByLabel('Type your full name').fill('Sam Carterr');
    await page.getByLabel(/I have read this policy/).check();
    res = await submit(page, page.getByRole('button', { name: 'Sign' }));
    assert.equal(res.status(), 422);
    assert.match(await page.locator('[data-testid=aup-error]').innerText(), /does not match the name/);
    assert.equal(await page.getByLabel('Type your full name').inputValue(), 'Sam Carterr');
    await checkA11yNoJs(env.browser, page, 'the AUP form with an error');

    await page.getByLabel('Type your full name').fill(STAFF_NAME);
    await page.getByLabel(/I have read this policy/).check();
    res = await submit(page, page.getByRole('button', { name: 'Sign' }));
    assert.equal(res.status(), 200);
    const signed = await page.locator('[data-testid=aup-signed]').innerText();
    assert.match(signed, /Signed on \d{1,2} \w+ \d{4}, \d\d:\d\d (GMT|BST) as Sam Carter/);
    assert.equal(await page.getByRole('button', { name: 'Sign' }).count(), 0, 'no form once signed');

    await submit(page, page.getByRole('link', { name: 'See exactly what you signed' }));
    assert.match(new URL(page.url()).pathname, /^\/aup\/staff-aup\/signed\/[0-9a-f]{64}$/);
    assert.equal(await page.locator('[data-testid=signed-text]').innerHTML(), shown, 'exactly the text shown');
    await checkA11yNoJs(env.browser, page, 'the signed text');

    await page.goto('/me/training');
    assert.match(await page.locator('[data-testid=training-staff-aup]').innerText(), /Done/);
    await page.close();
  } finally {
    await context.close();
  }
});

e2e('a parent sees the parent AUP in My training', async () => {
  const context = await env.newContext({ javaScriptEnabled: false });
  try {
    await signIn(env.server, context, PARENT);
    const page = await context.newPage();
    await page.goto('/me/training');
    assert.equal(await page.locator('[data-testid=training-parent-visitor-aup]').count(), 1);
    assert.equal(await page.locator('table.training tbody tr').count(), 1, 'only the parent AUP');
    await page.close();
  } finally {
    await context.close();
  }
});
