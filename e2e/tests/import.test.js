// Importing 2,000 people from a CSV file through the pages, with JavaScript on and off: the
// upload, the preview, the confirmation, the job's page with its <progress> element (which
// refreshes itself to continue the import: a meta refresh, so it works without JavaScript),
// and the summary. axe on each state.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, e2e, checkA11y, checkA11yNoJs, browserErrors, resultsPath } from './harness.js';

const ADMIN = 'admin@wexmoorvale.example.org';
const ROWS = 2000;

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The sign-in link of the newest email to `email` in the server's outbox. */
async function linkFor(email, timeoutMs = 5000) {
  const dir = join(env.server.dataDir, 'outbox');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let files = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.txt') && !f.startsWith('.')).sort().reverse();
    } catch {
      // no email yet
    }
    for (const f of files) {
      const mail = readFileSync(join(dir, f), 'utf8');
      if (mail.startsWith(`To: ${email}\n`)) return mail.match(/http:\/\/\S+\/sign-in\/link\?token=\S+/)[0];
    }
    if (Date.now() > deadline) throw new Error(`No email to ${email} in ${dir}`);
    await sleep(50);
  }
}

/** Signs the admin in through the pages (JavaScript on) and returns the session cookie. */
async function signInAdmin(context) {
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(ADMIN);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Email me a sign-in link' }).click()]);
  await page.waitForSelector('text=Check your email');
  await page.goto(await linkFor(ADMIN));
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/me'),
    page.getByRole('main').getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
  await page.close();
  return (await context.cookies()).find((c) => c.name === 'session' && c.value !== '');
}

/** A CSV file of `ROWS` new people whose emails start with `prefix`. */
function csvFile(prefix) {
  const lines = ['email,name,roles,groups'];
  const roles = ['learner', 'staff', 'parent', 'staff;parent'];
  for (let i = 0; i < ROWS; i++) {
    lines.push(`${prefix}${i}@wexmoorvale.example.org,"${prefix} Surname${i}, Given",${roles[i % roles.length]},Intake ${2026 + (i % 3)}`);
  }
  const path = resultsPath(`${prefix}-${ROWS}.csv`);
  writeFileSync(path, lines.join('\r\n') + '\r\n');
  return path;
}

/** axe with JavaScript on or off. */
async function a11y(page, js, label) {
  if (js) await checkA11y(page, label);
  else await checkA11yNoJs(env.browser, page, label);
}

/**
 * axe on a running job's page, from its HTML served again at its address (its refresh, which
 * would continue the job, is stopped there). The refresh is how the import continues without
 * JavaScript; the page says it updates itself and offers a Continue button. axe's meta-refresh
 * rule (no timed refresh) is the one rule left out.
 */
async function a11yRunning(html, url, label) {
  const context = await env.browser.newContext();
  try {
    const copy = await context.newPage();
    const body = html.replace(/<script\b[\s\S]*?<\/script>/gi, '');
    await copy.route((u) => u.href === url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body }));
    await copy.route((u) => u.searchParams.has('step'), (route) => route.abort());
    await copy.goto(url);
    assert.equal(await copy.locator('head meta[http-equiv=refresh]').count(), 1);
    await checkA11y(copy, label, { disableRules: ['meta-refresh'] });
    await copy.screenshot({ path: resultsPath('import-running.png'), fullPage: true });
  } finally {
    await context.close();
  }
}

/**
 * The whole import as the admin: choose the file, check it, confirm, watch the progress page,
 * reach the summary. `js` says whether the page runs JavaScript.
 */
async function importThroughPages(context, js, prefix) {
  const errorsFrom = browserErrors().length;
  const page = await context.newPage();
  await page.goto('/admin/people/import');
  assert.equal(await page.locator('h1').innerText(), 'Import people');
  await a11y(page, js, '/admin/people/import (form)');
  await page.locator('#file').setInputFiles(csvFile(prefix));
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Check the file' }).click()]);
  await page.waitForSelector('[data-testid=import-counts]');
  const counts = await page.locator('[data-testid=import-counts]').innerText();
  assert.match(counts, new RegExp(`${ROWS} new`));
  assert.match(counts, /0 with errors/);
  assert.ok((await page.locator('body').innerText()).includes('Nothing has been saved yet.'));
  await a11y(page, js, '/admin/people/import (preview)');

  // Confirm: the answer is a redirect to the job's page, which shows the first chunk's progress.
  const started = Date.now();
  const [jobPage] = await Promise.all([
    page.waitForResponse((r) => /\/admin\/people\/import\/jobs\/[0-9a-f-]{36}$/.test(new URL(r.url()).pathname) && r.request().method() === 'GET'),
    page.getByRole('button', { name: `Import ${ROWS} people` }).click(),
  ]);
  assert.equal(jobPage.status(), 200);
  const html = await jobPage.text();
  assert.match(html, /<progress[^>]*max="2000"[^>]*value="200"|<progress[^>]*value="200"[^>]*max="2000"/, 'a progress element at 200 of 2,000');
  assert.match(html, /Imported 200 of 2,000 people/);
  assert.match(html, /<meta http-equiv="refresh" content="1;url=\/admin\/people\/import\/jobs\/[0-9a-f-]{36}\?step=[A-Za-z0-9_-]+"/);
  assert.match(html, /This page updates itself every second/);
  assert.match(html, /Continue the import/);
  const jobPath = new URL(jobPage.url()).pathname;

  // The page as the browser shows it (unless it has refreshed already on a fast machine).
  await page.waitForLoadState('load');
  const shown = await page.locator('main').innerText();
  if (!/Import finished/.test(shown)) {
    assert.match(shown, /Imported [\d,]+ of 2,000 people/);
    assert.equal(await page.locator('progress').getAttribute('max'), '2000');
  }
  if (js) await a11yRunning(html, jobPage.url(), `${jobPath} (running)`);

  // The refreshes carry it to the end.
  await page.waitForSelector('[data-testid=import-result]', { timeout: 60_000 });
  const seconds = (Date.now() - started) / 1000;
  assert.equal(new URL(page.url()).pathname, jobPath);
  assert.equal(await page.locator('[data-testid=import-result]').innerText(), '2,000 added, 0 updated, 0 unchanged, 0 not imported.');
  assert.equal(await page.getByRole('heading', { name: 'Import finished' }).count(), 1);
  assert.equal(await page.locator('head meta[http-equiv=refresh]').count(), 0, 'a finished job does not refresh');
  await a11y(page, js, `${jobPath} (finished)`);
  if (js) await page.screenshot({ path: resultsPath('import-finished.png'), fullPage: true });

  await Promise.all([page.waitForURL((u) => u.pathname === '/admin/people'), page.getByRole('link', { name: 'Back to people' }).click()]);
  assert.deepEqual(browserErrors(errorsFrom), [], 'no errors in the browser');
  await page.close();
  return seconds;
}

e2e('30. an admin imports 2,000 people: preview, confirm, progress, summary (JavaScript on); axe on each page', async () => {
  const context = await env.newContext();
  await signInAdmin(context);
  const seconds = await importThroughPages(context, true, 'jsOn');
  process.stdout.write(`FIGURE e2e import of ${ROWS} rows with JavaScript on: ${seconds.toFixed(1)} s from confirm to summary\n`);

  // The same file again: every row unchanged, nothing to confirm.
  const page = await context.newPage();
  await page.goto('/admin/people/import');
  await page.locator('#file').setInputFiles(resultsPath(`jsOn-${ROWS}.csv`));
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Check the file' }).click()]);
  await page.waitForSelector('[data-testid=import-counts]');
  assert.match(await page.locator('[data-testid=import-counts]').innerText(), new RegExp(`0 new[\\s\\S]*${ROWS} unchanged`));
  assert.equal(await page.getByRole('button', { name: /^Import / }).count(), 0, 'no import button when nothing would change');
  await context.close();
});

e2e('31. with JavaScript off the refresh-driven import of 2,000 people finishes too; axe on each page', async () => {
  const signIn = await env.newContext();
  const cookie = await signInAdmin(signIn);
  await signIn.close();
  const context = await env.newContext({ javaScriptEnabled: false });
  await context.addCookies([cookie]);
  const seconds = await importThroughPages(context, false, 'jsOff');
  process.stdout.write(`FIGURE e2e import of ${ROWS} rows with JavaScript off: ${seconds.toFixed(1)} s from confirm to summary\n`);
  await context.close();
});
