// A learning module: no script, and its contents (a <details>) fold open with mouse and keyboard.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, browserErrors, ORG_NAME, DSL_NAME } from './harness.js';

const MODULE = '/learn/four-cs-of-online-risk';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

e2e('3. the module page loads no script and its contents fold open by mouse and keyboard', async () => {
  const context = await env.newContext();
  const page = await context.newPage();
  const errorsBefore = browserErrors().length;
  const scripts = [];
  page.on('request', (r) => {
    if (['script', 'fetch', 'xhr'].includes(r.resourceType()) || r.url().endsWith('.wasm')) scripts.push(r.url());
  });
  const response = await page.goto(MODULE);
  assert.equal(response.status(), 200);
  await page.waitForLoadState('networkidle');
  assert.deepEqual(scripts, [], 'a module page loads no JavaScript or WebAssembly');
  assert.equal(await page.locator('script[src]').count(), 0, 'and no script element that loads one');

  const summary = page.locator('.contents summary');
  const details = page.locator('.contents details');
  const list = page.locator('#module-contents');
  assert.equal(await summary.innerText(), 'In this module');
  assert.equal(await details.getAttribute('open'), null);
  assert.equal(await list.isVisible(), false, 'the contents start folded away');
  assert.ok((await list.locator('li').count()) >= 2, 'the contents list has entries');

  // The content is rendered for this organisation.
  const main = await page.locator('main').innerText();
  assert.ok(!main.includes('{{'), 'no unsubstituted placeholder');
  assert.ok(main.includes(DSL_NAME), 'the DSL is named');
  assert.ok(main.includes(ORG_NAME), 'the organisation is named');

  await checkA11y(page, `${MODULE} (folded)`);

  // Mouse.
  await summary.click();
  await list.waitFor({ state: 'visible' });
  await checkA11y(page, `${MODULE} (open)`);
  await summary.click();
  await list.waitFor({ state: 'hidden' });

  // Keyboard: the summary is reachable and Enter/Space toggle it.
  await summary.focus();
  assert.ok(await summary.evaluate((b) => document.activeElement === b), 'the summary takes focus');
  await page.keyboard.press('Enter');
  await list.waitFor({ state: 'visible' });
  await page.keyboard.press('Space');
  await list.waitFor({ state: 'hidden' });
  await page.keyboard.press(' ');
  await list.waitFor({ state: 'visible' });

  // The contents links go to the sections on the page.
  const anchors = await list.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const href of anchors) {
    assert.match(href, /^#/);
    assert.equal(await page.locator(href).count(), 1, `the target of ${href} exists`);
  }
  await checkA11y(page, `${MODULE} (open by keyboard)`);

  assert.deepEqual(browserErrors(errorsBefore), [], 'no errors in the browser console');
  await context.close();
});

e2e('3b. without JavaScript the module contents open just the same', async () => {
  const context = await env.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(MODULE);
  assert.equal(await page.locator('#module-contents').isVisible(), false, 'folded');
  await page.locator('.contents summary').click();
  assert.ok(await page.locator('#module-contents').isVisible(), 'the contents list is shown');
  await context.close();
});
