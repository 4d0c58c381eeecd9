// Every content page (modules, guides, AUPs) reached from the navigation: it renders, carries no
// unfilled placeholder, keeps to one h1, and passes axe. The crawl starts from the menu, so a page
// that cannot be reached from it is not counted as working.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, pageText } from './harness.js';

let env;
let context;

before(async () => {
  env = await setup();
  context = await env.newContext();
});

after(async () => {
  await context?.close();
  await env?.teardown();
});

/** Site-internal content links on a page, without fragments. */
async function contentLinks(page) {
  const hrefs = await page.locator('main a[href^="/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  return [...new Set(hrefs.map((h) => h.split('#')[0]))].filter((h) => /^\/(learn|parents|aup)\/[a-z0-9-]+$/.test(h));
}

e2e('12. every module, guide and AUP reachable from the menu renders cleanly and passes axe', async () => {
  const page = await context.newPage();
  await page.goto('/');
  const menu = await page.locator('nav[aria-label="Main"] a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(menu.includes('/learn') && menu.includes('/parents'), `menu: ${menu}`);

  const pages = new Set();
  for (const index of ['/learn', '/parents']) {
    const response = await page.goto(index);
    assert.equal(response.status(), 200, index);
    await checkA11y(page, index);
    for (const href of await contentLinks(page)) pages.add(href);
  }
  const kinds = (prefix) => [...pages].filter((p) => p.startsWith(prefix)).length;
  assert.ok(kinds('/learn/') >= 14, `modules reached: ${kinds('/learn/')}`);
  assert.ok(kinds('/parents/') >= 5, `guides reached: ${kinds('/parents/')}`);
  assert.ok(kinds('/aup/') >= 3, `AUPs reached: ${kinds('/aup/')}`);

  for (const href of [...pages].sort()) {
    const response = await page.goto(href);
    assert.equal(response.status(), 200, href);
    assert.equal(await page.locator('h1').count(), 1, `${href}: exactly one h1`);
    const text = await pageText(page);
    assert.ok(!text.includes('{{'), `${href}: an unfilled placeholder`);
    assert.ok(await page.locator('main h2').count() >= 2, `${href}: has sections`);
    await checkA11y(page, href);
  }
});
