// An organisation's own version of its staff AUP, in the app (issue 18, item 3): the staff member
// signs the provided one; the admin opens the editor from Policies, previews a text with a broken
// front matter (the problem shown by file and line, the text kept, nothing published), then
// previews and publishes a major version with "what changed". The staff member then has it to do
// again, sees what changed on the AUP page and opens the comparison with the version they signed
// (the new paragraph marked as added). Axe on the editor, the preview with errors and the
// comparison; screenshots at 320 and 1280 px in target/screenshots/policies-*.png.
// JavaScript off: every step is a plain form or link.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshots, setup, e2e, signIn, submit, REPO_DIR } from './harness.js';

const STAFF = 'staff@wexmoorvale.example.org';
const STAFF_NAME = 'Sam Carter';
const ADMIN = 'admin@wexmoorvale.example.org';
const NEW_RULE = 'Our own rule: personal phones stay in the staff room during sessions.';
const WHAT_CHANGED = 'We added a rule: personal phones stay in the staff room during sessions.';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

e2e('the admin publishes a major version of the staff AUP; the staff member sees what changed and compares', async () => {
  const staff = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, staff, STAFF);
  const sp = await staff.newPage();
  await sp.goto('/aup/staff-aup');
  await sp.getByLabel('Type your full name').fill(STAFF_NAME);
  await sp.getByLabel(/I have read this policy/).check();
  await submit(sp, sp.getByRole('button', { name: 'Sign' }));
  await sp.locator('[data-testid=aup-signed]').waitFor();

  const admin = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, admin, ADMIN);
  const ap = await admin.newPage();
  await ap.goto('/me');
  await submit(ap, ap.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Policies' }));
  assert.equal(new URL(ap.url()).pathname, '/admin/policies');
  await screenshots(ap, 'policies-list', { a11y: true, browser: env.browser });
  await submit(ap, ap.getByRole('link', { name: 'Edit Staff Acceptable Use Policy' }));
  const editor = ap.getByLabel('Text', { exact: true });
  const provided = await editor.inputValue();
  assert.match(provided, /^version = "1\.0\.0"$/m);
  await screenshots(ap, 'policies-editor', { a11y: true, browser: env.browser });

  // A broken front matter: the problem by file and line, the text as typed, nothing published.
  const broken = provided.replace('minutes = 8', 'minutes = "eight"');
  await editor.fill(broken);
  let res = await submit(ap, ap.getByRole('button', { name: 'Preview' }));
  assert.equal(res.status(), 422);
  const problems = await ap.locator('[data-testid=problems]').innerText();
  assert.match(problems, /aups\/staff-aup\.md, line \d+/, problems);
  assert.equal(await ap.getByLabel('Text', { exact: true }).inputValue(), broken, 'the text as typed');
  await screenshots(ap, 'policies-preview-errors', { a11y: true, browser: env.browser });

  // The error summary's link takes the keyboard to the text.
  await ap.locator('[data-testid=problems] a').first().click();
  assert.equal(await ap.evaluate(() => document.activeElement?.id), 'policy-text');

  // A major version with what changed: previewed, then published.
  const text = provided.replace('## Systems and devices\n', `## Systems and devices\n\n${NEW_RULE}\n`);
  await ap.getByLabel('Text', { exact: true }).fill(text);
  await ap.getByLabel('Major: people must sign again').check();
  await ap.getByLabel('What changed').fill(WHAT_CHANGED);
  res = await submit(ap, ap.getByRole('button', { name: 'Preview' }));
  assert.equal(res.status(), 200);
  const preview = await ap.locator('[data-testid=preview]').innerText();
  assert.ok(preview.includes(NEW_RULE) && preview.includes('version 2.0.0'), preview);
  assert.ok(await ap.getByLabel('Major: people must sign again').isChecked(), 'the choice kept');
  await screenshots(ap, 'policies-preview', { a11y: true, browser: env.browser });
  await submit(ap, ap.getByRole('button', { name: 'Publish' }));
  assert.equal(new URL(ap.url()).pathname, '/admin/policies/versions');
  assert.match(await ap.locator('[data-testid=published]').innerText(), /Version 2\.0\.0 is what people see now/);
  await screenshots(ap, 'policies-versions', { a11y: true, browser: env.browser });

  // The staff member: to do again, what changed, the comparison.
  await sp.goto('/me/training');
  assert.match(await sp.locator('[data-testid=training-staff-aup]').innerText(), /New version to do/);
  await sp.goto('/aup/staff-aup');
  const box = await sp.locator('[data-testid=what-changed]').innerText();
  assert.ok(box.includes(WHAT_CHANGED) && box.includes('You signed version 1.0.0'), box);
  await screenshots(sp, 'policies-aup-what-changed', { a11y: true, browser: env.browser });
  await submit(sp, sp.getByRole('link', { name: 'Compare with the version you signed' }));
  assert.equal(new URL(sp.url()).pathname, '/aup/staff-aup/compare');
  const added = sp.locator('[data-testid=added]');
  assert.equal(await added.count(), 1);
  assert.ok((await added.innerText()).includes(NEW_RULE));
  assert.match(await sp.locator('[data-testid=compare-counts]').innerText(), /0 paragraphs removed and 1 added/);
  // The unchanged paragraphs are folded; a fold opens with the keyboard (no JavaScript needed).
  const fold = sp.locator('[data-testid=compare-fold]').first();
  assert.equal(await fold.getAttribute('open'), null);
  await fold.locator('summary').focus();
  await sp.keyboard.press('Enter');
  assert.equal(await fold.getAttribute('open'), '', 'the fold opens with Enter');
  assert.ok((await fold.locator('.compare-same').count()) >= 2);
  await fold.locator('summary').click();
  await screenshots(sp, 'policies-compare', { a11y: true, browser: env.browser });
  // Side by side on a desktop, one column on a phone.
  await sp.setViewportSize({ width: 1280, height: 900 });
  const cells = sp.locator('.compare-changed .compare-cell');
  const [left, right] = [await cells.nth(0).boundingBox(), await cells.nth(1).boundingBox()];
  assert.ok(right.x > left.x + left.width - 1, `two columns at 1280px: ${JSON.stringify({ left, right })}`);
  await sp.setViewportSize({ width: 320, height: 640 });
  assert.equal(await cells.nth(0).isVisible(), false, 'no empty "removed" cell on a phone');
  await staff.close();
  await admin.close();
});

e2e('the provided AUP text is unchanged on disk (the edit lives in the store)', async () => {
  const file = readFileSync(join(REPO_DIR, 'content/aups/staff-aup.md'), 'utf8');
  assert.ok(!file.includes(NEW_RULE));
});
