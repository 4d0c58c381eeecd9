// "Exit this page" (the GOV.UK pattern) on the worry form, the follow-up page and the guides for
// parents: the button is on each page; with JavaScript off it is a plain link to a neutral site
// (no referrer, nofollow); with JavaScript on, pressing Shift three times leaves at once and
// replaces the page in the history, so "Back" does not return to it. A Shift used to type a
// capital letter does not count. The neutral site is answered by the test (no network needed).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, REPO_DIR } from './harness.js';
import { join } from 'node:path';

const NEUTRAL = 'https://www.bbc.co.uk/weather';
const PAGES = ['/tell', '/follow-up', '/parents', '/parents/if-you-are-worried', '/parents/gaming-apps-and-age-ratings'];

let env;

before(async () => {
  // The working tree's content (what the guides are), not the copy built into the binary: a
  // shared target directory can hold another checkout's.
  env = await setup({ env: () => ({ APP_CONTENT_DIR: join(REPO_DIR, 'content') }) });
});

after(async () => {
  await env?.teardown();
});

/** A context whose requests to the neutral site get a small page from the test. */
async function context(javaScriptEnabled) {
  const ctx = await env.newContext({ javaScriptEnabled });
  await ctx.route('https://www.bbc.co.uk/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Weather</title><h1>Weather</h1>' }),
  );
  return ctx;
}

e2e('exit this page: on each page, a plain link with JavaScript off', async () => {
  const ctx = await context(false);
  const page = await ctx.newPage();
  for (const path of PAGES) {
    const res = await page.goto(path);
    assert.equal(res.status(), 200, path);
    const link = page.locator('[data-testid=exit-this-page] a');
    assert.equal(await link.count(), 1, `${path}: one exit button`);
    assert.equal(await link.getAttribute('href'), NEUTRAL, path);
    assert.equal(await link.getAttribute('rel'), 'nofollow noreferrer', path);
    assert.match(await link.innerText(), /Exit this page/, path);
    // Without JavaScript the Shift hint stays hidden: it would not work.
    assert.equal(await page.locator('[data-testid=exit-this-page] [data-exit-hint]').isVisible(), false, path);
  }
  // A guide names the sources of its facts (front matter `sources`).
  await page.goto('/parents/more-help-for-parents');
  assert.match(await page.locator('[data-testid=sources]').innerText(), /Report Fraud/);

  // On a phone it stays in view (fixed in the bottom corner), even scrolled to the end.
  const phone = await env.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
  const small = await phone.newPage();
  await small.goto('/parents/more-help-for-parents');
  await small.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const box = await small.locator('[data-testid=exit-this-page] a').boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= 640, `the button is on screen: ${JSON.stringify(box)}`);
  await phone.close();

  // It works as a plain link: pressing it opens the neutral site.
  await page.goto('/tell');
  await Promise.all([page.waitForURL(NEUTRAL), page.locator('[data-testid=exit-this-page] a').click()]);
  assert.equal(await page.title(), 'Weather');
  await ctx.close();
});

e2e('exit this page: Shift three times leaves and replaces the page in the history (JavaScript on)', async () => {
  const ctx = await context(true);
  const page = await ctx.newPage();
  for (const path of PAGES) {
    await page.goto('/');
    const res = await page.goto(path);
    assert.equal(res.status(), 200, path);
    const box = page.locator('[data-testid=exit-this-page]');
    await box.locator('[data-exit-hint]').waitFor({ state: 'visible' });
    if (path === '/tell') await checkA11y(page, '/tell with the exit button');
    // Typing a capital letter uses Shift but does not count towards the three.
    await page.keyboard.press('Shift+A');
    await page.keyboard.press('Shift');
    await page.keyboard.press('Shift');
    assert.equal(new URL(page.url()).pathname, path, `${path}: two presses (and a capital) do not leave`);
    assert.match(await box.locator('[data-exit-status]').innerText(), /press 1 more time/);
    await Promise.all([page.waitForURL(NEUTRAL), page.keyboard.press('Shift')]);
    assert.equal(await page.title(), 'Weather', path);
    // The page was replaced: Back goes to the page before it, not back to it.
    await page.goBack();
    assert.equal(new URL(page.url()).pathname, '/', `${path}: Back skips the page that was left`);
  }
  // The button itself does the same with JavaScript on.
  await page.goto('/');
  await page.goto('/follow-up');
  await page.locator('[data-testid=exit-this-page] [data-exit-hint]').waitFor({ state: 'visible' });
  await Promise.all([page.waitForURL(NEUTRAL), page.locator('[data-testid=exit-this-page] a').click()]);
  await page.goBack();
  assert.equal(new URL(page.url()).pathname, '/');
  await ctx.close();
});
