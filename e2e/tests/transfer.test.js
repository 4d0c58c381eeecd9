// Transfer of a child's file between two organisations on one local run, in real Chromium with
// JavaScript off: the college's DSL links a worry to a new record, opens "Transfer this file"
// (the printable file) and downloads the JSON file; Bramblefield School's DSL (invited by its
// admin) signs in at org-b.localhost, is refused a file that is not a transfer file (the GOV.UK
// error summary), uploads the downloaded one, sees the preview with the sending organisation
// and date, imports it and finds the record with the transferred chronology. axe on each page;
// screenshots at 320 and 1280 px.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_DIR, ORG_NAME, DSL_NAME, setup, e2e, signIn, submit, screenshots, runWebCommand, checkA11yNoJs,
} from './harness.js';

const ORG_B = 'Bramblefield School (test)';
const ORG_B_DSL = 'Bryony Bell';
const ORG_B_DSL_EMAIL = 'dsl@bramblefield.example.org';
const ORG_B_ADMIN = 'bea.admin@bramblefield.example.org';
const ORG_A_DSL_EMAIL = 'safeguarding@wexmoorvale.example.org';
const TEXT = 'My friend Jamie Fox in 9C is being asked for photos by someone online <b>now</b>.';

let env;
let dataDir;
let atB;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'online-safety-e2e-transfer-'));
  const demo = readFileSync(join(REPO_DIR, 'content/organisations/demo.toml'), 'utf8');
  const profile = demo
    .replace('id = "demo"', 'id = "org-b"')
    .replace(`name = "${ORG_NAME}"`, `name = "${ORG_B}"`)
    .replace(`name = "${DSL_NAME}"`, `name = "${ORG_B_DSL}"`)
    .replace(`email = "${ORG_A_DSL_EMAIL}"`, `email = "${ORG_B_DSL_EMAIL}"`);
  const file = join(dataDir, 'org-b.toml');
  writeFileSync(file, profile);
  runWebCommand(dataDir, ['create-org', file, ORG_B_ADMIN, 'Bea Admin', 'org-b.localhost']);
  env = await setup({ dataDir });
  atB = `http://org-b.localhost:${env.server.port}`;
});

after(async () => {
  await env?.teardown();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

e2e('the college exports a child\'s file and Bramblefield imports it', async () => {
  // A worry about a friend, linked by the college's DSL to a new record.
  const anon = await env.newContext({ javaScriptEnabled: false });
  const ap = await anon.newPage();
  await ap.goto('/tell');
  await ap.locator('#about-a_friend').check();
  await ap.locator('#involves-nobody').check();
  await ap.locator('#kind-bullying').check();
  await ap.locator('#urgency-soon').check();
  await ap.locator('#worry-text').fill(TEXT);
  await ap.locator('#wants_contact-no').check();
  assert.equal((await submit(ap, ap.getByRole('button', { name: 'Send' }))).status(), 200);
  await anon.close();

  const a = await env.newContext({ javaScriptEnabled: false, acceptDownloads: true });
  await signIn(env.server, a, ORG_A_DSL_EMAIL);
  const page = await a.newPage();
  await page.goto('/worries');
  const href = await page.locator('a[href^="/worries/"]').evaluateAll((links) =>
    links.map((l) => l.getAttribute('href')).find((h) => /^\/worries\/[0-9a-f-]{36}$/.test(h)));
  assert.ok(href, 'the worry is in the inbox');
  await page.goto(`${href}/people`);
  await page.locator('#new-name').fill('Jamie Fox');
  await page.locator('#new-date_of_birth').fill('2012-09-14');
  await page.locator('#new-group').fill('9C');
  assert.equal((await submit(page, page.getByRole('button', { name: 'Make the record and link it' }))).status(), 200);
  await submit(page, page.locator('[data-testid=linked]').getByRole('link', { name: 'Jamie Fox' }));
  const recordPath = new URL(page.url()).pathname;

  // The printable file, then the JSON download.
  await submit(page, page.locator('[data-testid=transfer-link]').getByRole('link', { name: 'Transfer this file' }));
  assert.equal(new URL(page.url()).pathname, `${recordPath}/transfer`);
  assert.match(await page.locator('h1').innerText(), /Child protection file: Jamie Fox/);
  assert.equal(await page.locator('[data-testid=transfer-from]').innerText(), ORG_NAME);
  assert.equal(await page.locator('[data-testid=transfer-text]').innerText(), TEXT, 'shown as text');
  assert.match(await page.locator('[data-testid=transfer-steps]').innerText(), /within 5 school days/);
  await screenshots(page, 'transfer-printable', { a11y: true, browser: env.browser });
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=transfer-json]').click()]);
  assert.match(download.suggestedFilename(), /^transfer-jamie-fox-\d{4}-\d{2}-\d{2}\.json$/);
  const saved = join(dataDir, download.suggestedFilename());
  await download.saveAs(saved);
  const json = JSON.parse(readFileSync(saved, 'utf8'));
  assert.equal(json.format, 'online-safety-file/1');
  assert.equal(json.person.name, 'Jamie Fox');
  assert.equal(json.concerns.length, 1);
  assert.equal(json.concerns[0].text, TEXT);
  await page.goto(recordPath);
  assert.match(await page.locator('[data-testid=record-audit]').innerText(), /Exported for transfer \(JSON file\)/);
  await a.close();

  // Bramblefield: its admin invites the DSL; the DSL signs in at Bramblefield's address.
  const admin = await env.newContext({ baseURL: atB, javaScriptEnabled: false });
  await signIn(env.server, admin, ORG_B_ADMIN);
  const ap2 = await admin.newPage();
  await ap2.goto('/admin/people');
  await ap2.getByLabel('Name', { exact: true }).fill(ORG_B_DSL);
  await ap2.getByLabel('Email address').fill(ORG_B_DSL_EMAIL);
  await ap2.locator('#invite-role-dsl').check();
  assert.equal((await submit(ap2, ap2.getByRole('button', { name: 'Invite' }))).status(), 200);
  // The admin may not import.
  const refused = await ap2.goto('/transfers/import');
  assert.equal(refused.status(), 403);
  await admin.close();

  const b = await env.newContext({ baseURL: atB, javaScriptEnabled: false });
  await signIn(env.server, b, ORG_B_DSL_EMAIL);
  const pb = await b.newPage();
  await pb.goto('/records');
  await submit(pb, pb.locator('[data-testid=import-transfer]').getByRole('link', { name: 'Import a transferred file' }));
  assert.equal(new URL(pb.url()).pathname, '/transfers/import');
  await screenshots(pb, 'transfer-import', { a11y: true, browser: env.browser });

  // Not a transfer file: the error summary links to the file field; nothing is stored.
  const notAFile = join(dataDir, 'people.json');
  writeFileSync(notAFile, '{"name": "Jamie Fox"}');
  await pb.locator('#file').setInputFiles(notAFile);
  const bad = await submit(pb, pb.getByRole('button', { name: 'Check the file' }));
  assert.equal(bad.status(), 422);
  const summary = pb.locator('.error-summary');
  assert.match(await summary.innerText(), /does not say it is a transfer file/);
  assert.equal(await summary.locator('a').first().getAttribute('href'), '#file');
  assert.equal(await pb.locator('#file').getAttribute('aria-invalid'), 'true');
  await checkA11yNoJs(env.browser, pb, 'transfer import with an error');
  await screenshots(pb, 'transfer-import-error', { a11y: true, browser: env.browser });

  // The downloaded file: the preview, then the import.
  await pb.goto('/transfers/import');
  await pb.locator('#file').setInputFiles(saved);
  const preview = await submit(pb, pb.getByRole('button', { name: 'Check the file' }));
  assert.equal(preview.status(), 200);
  assert.match(await pb.locator('[data-testid=receipt]').innerText(), new RegExp(`Sent by ${ORG_NAME.replace(/[()]/g, '\\$&')}, exported `));
  assert.equal(await pb.locator('[data-testid=transfer-text]').innerText(), TEXT);
  await screenshots(pb, 'transfer-preview', { a11y: true, browser: env.browser });
  const done = await submit(pb, pb.locator('[data-testid=confirm-import]'));
  assert.equal(done.status(), 200);
  assert.match(await pb.locator('[data-testid=notice]').innerText(), /is now the record of Jamie Fox/);
  await screenshots(pb, 'transfer-done', { a11y: true, browser: env.browser });
  await submit(pb, pb.locator('[data-testid=imported-record]'));
  assert.equal(await pb.locator('[data-testid=record-name]').innerText(), 'Jamie Fox');
  assert.match(await pb.locator('[data-testid=record-facts]').innerText(), /14 September 2012/);
  const chronology = await pb.locator('[data-testid=chronology]').innerText();
  assert.ok(chronology.includes(TEXT), chronology);
  assert.match(chronology, /Received this record by transfer from Wexmoor Vale College \(demo\)/);
  assert.match(chronology, /transferred from Wexmoor Vale College \(demo\)/);
  await screenshots(pb, 'transfer-imported-record', { a11y: true, browser: env.browser });
  await b.close();
});
