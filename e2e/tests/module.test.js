// A learning module: its contents island hydrates and the toggle works with mouse and keyboard.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, browserErrors, waitForHydration, ORG_NAME, DSL_NAME } from './harness.js';

const MODULE = '/learn/four-cs-of-online-risk';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

e2e('3. the module page hydrates and its contents toggle works by mouse and keyboard', async () => {
  const context = await env.newContext();
  const page = await context.newPage();
  const errorsBefore = browserErrors().length;
  const response = await page.goto(MODULE);
  assert.equal(response.status(), 200);
  await waitForHydration(page);

  const button = page.locator('button[aria-controls="module-contents"]');
  const list = page.locator('#module-contents');
  await button.waitFor({ state: 'visible' });
  assert.equal(await button.innerText(), 'Show contents');
  assert.equal(await button.getAttribute('aria-expanded'), 'false');
  assert.equal(await list.isVisible(), false, 'the contents start folded away');
  assert.ok((await list.locator('li').count()) >= 2, 'the contents list has entries');

  // The content is rendered for this organisation.
  const main = await page.locator('main').innerText();
  assert.ok(!main.includes('{{'), 'no unsubstituted placeholder');
  assert.ok(main.includes(DSL_NAME), 'the DSL is named');
  assert.ok(main.includes(ORG_NAME), 'the organisation is named');

  await checkA11y(page, `${MODULE} (folded)`);

  // Mouse.
  await button.click();
  assert.equal(await button.getAttribute('aria-expanded'), 'true');
  assert.equal(await button.innerText(), 'Hide contents');
  await list.waitFor({ state: 'visible' });
  await checkA11y(page, `${MODULE} (open)`);

  await button.click();
  assert.equal(await button.getAttribute('aria-expanded'), 'false');
  await list.waitFor({ state: 'hidden' });

  // Keyboard: the button is reachable and Enter/Space toggle it.
  await button.focus();
  assert.ok(await button.evaluate((b) => document.activeElement === b), 'the button takes focus');
  await page.keyboard.press('Enter');
  assert.equal(await button.getAttribute('aria-expanded'), 'true', 'Enter opens');
  await list.waitFor({ state: 'visible' });
  await page.keyboard.press('Space');
  assert.equal(await button.getAttribute('aria-expanded'), 'false', 'Space closes');
  await list.waitFor({ state: 'hidden' });
  await page.keyboard.press(' ');
  assert.equal(await button.getAttribute('aria-expanded'), 'true', 'Space opens');
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

e2e('3b. without JavaScript the module contents are simply shown', async () => {
  const context = await env.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(MODULE);
  assert.equal(await page.locator('button[aria-controls="module-contents"]').isVisible(), false, 'no useless button');
  assert.ok(await page.locator('#module-contents').isVisible(), 'the contents list is shown');
  assert.equal(await page.locator('html').getAttribute('data-hydrated'), null);
  await context.close();
});
