// A new version of an AUP makes it due again: the staff member signs the staff AUP; the
// organisation edits the policy (a copy of the content read with APP_CONTENT_DIR) and bumps its
// version; after a restart on the same store, My training shows the new version to sign, the
// page offers the new text, and signing it makes it done again.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { e2e, startServer, launchBrowser, signIn, checkA11yNoJs, REPO_DIR } from './harness.js';

const STAFF = 'staff@wexmoorvale.example.org';
const STAFF_NAME = 'Sam Carter';
const NEW_SENTENCE = 'New in version 2.0: report a lost work phone to the DSL within one hour.';

let dataDir;
let contentDir;
let browser;
let server;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'online-safety-e2e-aup-'));
  contentDir = mkdtempSync(join(tmpdir(), 'online-safety-e2e-content-'));
  cpSync(join(REPO_DIR, 'content'), contentDir, { recursive: true });
  browser = await launchBrowser();
});

after(async () => {
  await server?.stop();
  await browser?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(contentDir, { recursive: true, force: true });
});

const start = () => startServer({ dataDir, env: () => ({ APP_CONTENT_DIR: contentDir }) });

async function submit(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation(), locator.click()]);
  return response;
}

/** Signs the staff AUP on its page (JavaScript off); returns the signed-text address. */
async function signStaffAup(context) {
  const page = await context.newPage();
  const res = await page.goto('/aup/staff-aup');
  assert.equal(res.status(), 200);
  await page.getByLabel('Type your full name').fill(STAFF_NAME);
  await page.getByLabel(/I have read this policy/).check();
  assert.equal((await submit(page, page.getByRole('button', { name: 'Sign' }))).status(), 200);
  await page.locator('[data-testid=aup-signed]').waitFor();
  await submit(page, page.getByRole('link', { name: 'See exactly what you signed' }));
  const signedAt = new URL(page.url()).pathname;
  await page.close();
  return signedAt;
}

e2e('a new version of the staff AUP makes it due again and is signed with its new text', async () => {
  server = await start();
  let context = await browser.newContext({ baseURL: server.baseURL, javaScriptEnabled: false });
  await signIn(server, context, STAFF);
  const firstSigned = await signStaffAup(context);
  let page = await context.newPage();
  await page.goto('/me/training');
  assert.match(await page.locator('[data-testid=training-staff-aup]').innerText(), /Done/);
  await context.close();
  await server.stop();

  // The organisation changes the policy and bumps its major version (a minor one keeps signatures).
  const file = join(contentDir, 'aups', 'staff-aup.md');
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^version = "1\.0\.0"$/m);
  writeFileSync(
    file,
    text.replace(/^version = "1\.0\.0"$/m, 'version = "2.0.0"').replace('## Systems and devices\n', `## Systems and devices\n\n${NEW_SENTENCE}\n`),
  );

  server = await start();
  context = await browser.newContext({ baseURL: server.baseURL, javaScriptEnabled: false });
  await signIn(server, context, STAFF);
  page = await context.newPage();
  await page.goto('/me/training');
  const row = await page.locator('[data-testid=training-staff-aup]').innerText();
  assert.match(row, /New version to do/, `due again: ${row}`);
  await checkA11yNoJs(browser, page, 'My training with a new AUP version');
  await page.goto('/aup/staff-aup');
  assert.ok((await page.locator('[data-testid=aup-text]').innerText()).includes(NEW_SENTENCE), 'the new text is shown to sign');
  await page.close();

  const secondSigned = await signStaffAup(context);
  assert.notEqual(secondSigned, firstSigned, 'a different text, a different hash');
  page = await context.newPage();
  await page.goto('/me/training');
  assert.match(await page.locator('[data-testid=training-staff-aup]').innerText(), /Done/);
  await page.goto(secondSigned);
  assert.ok((await page.locator('[data-testid=signed-text]').innerText()).includes(NEW_SENTENCE));
  await context.close();
});
