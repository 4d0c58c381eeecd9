// Reading pages: home, parents' guidance, the 404 page and the help on the worry page.
// None of these needs JavaScript; they are checked in an ordinary (JavaScript on) browser.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, pageText, ORG_NAME, DSL_NAME } from './harness.js';

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

/** The footer every page carries: 999 and the national services. */
async function assertHelpFooter(page) {
  const footer = page.locator('footer');
  await footer.waitFor();
  const text = await footer.innerText();
  assert.match(text, /999/, 'footer mentions 999');
  assert.match(text, /CEOP/, 'footer mentions CEOP');
  assert.match(text, /Childline/, 'footer mentions Childline');
  assert.equal(await footer.locator('a[href="tel:999"]').count(), 1, 'footer has a tel:999 link');
}

e2e('1. home page renders with the organisation name and the help footer', async () => {
  const page = await context.newPage();
  const response = await page.goto('/');
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'], /text\/html/);
  const h1 = await page.locator('h1').innerText();
  assert.ok(h1.includes(ORG_NAME), `h1 "${h1}" should name ${ORG_NAME}`);
  assert.equal(await page.locator('h1').count(), 1, 'exactly one h1');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en-GB');
  assert.ok((await page.title()).length > 0, 'the page has a title');
  await assertHelpFooter(page);
  // Pages without islands ship no JavaScript.
  assert.equal(await page.locator('script[src]').count(), 0, 'the home page loads no script');
  await checkA11y(page, 'home');
  await page.close();
});

e2e('2. parents guidance list and guidance pages render their content', async () => {
  const page = await context.newPage();
  const response = await page.goto('/parents');
  assert.equal(response.status(), 200);
  assert.match(await page.locator('h1').innerText(), /parents and carers/i);
  const hrefs = await page.locator('main a[href^="/parents/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const expected of ['/parents/talking-with-your-child', '/parents/if-you-are-worried']) {
    assert.ok(hrefs.includes(expected), `the list links to ${expected} (links: ${hrefs.join(', ')})`);
  }
  await assertHelpFooter(page);
  await checkA11y(page, '/parents');

  for (const id of ['talking-with-your-child', 'if-you-are-worried']) {
    // Follow the link as a reader would.
    await page.goto('/parents');
    await Promise.all([page.waitForURL(`**/parents/${id}`), page.locator(`main a[href="/parents/${id}"]`).click()]);
    const status = (await page.request.get(`/parents/${id}`)).status();
    assert.equal(status, 200, `/parents/${id} status`);
    const h1 = (await page.locator('h1').innerText()).trim();
    assert.ok(h1.length > 0, 'the guidance page has a title');
    assert.equal(await page.locator('h1').count(), 1, 'exactly one h1');
    const h2s = await page.locator('main article h2').allInnerTexts();
    assert.ok(h2s.length >= 2, `at least 2 sections on ${id}, found: ${JSON.stringify(h2s)}`);
    const text = await pageText(page);
    assert.ok(!text.includes('{{'), `no unsubstituted placeholder on ${id}`);
    assert.ok(!(await page.content()).includes('{{'), `no "{{" anywhere in the HTML of ${id}`);
    assert.ok(text.includes(ORG_NAME), `the organisation name appears on ${id}`);
    if (id === 'if-you-are-worried') {
      const main = await page.locator('main').innerText();
      assert.ok(main.includes(DSL_NAME), `the DSL's name is substituted in the content of ${id}`);
    }
    await assertHelpFooter(page);
    await checkA11y(page, `/parents/${id}`);
  }
  await page.close();
});

e2e('8. an unknown address answers 404 with a helpful page', async () => {
  const page = await context.newPage();
  for (const path of ['/no-such-page', '/parents/no-such-guidance', '/learn/no-such-module', '/pkg/no-such-file.js']) {
    const response = await page.goto(path);
    assert.equal(response.status(), 404, `${path} status`);
    if (path.startsWith('/pkg/')) continue; // a missing asset is a plain 404
    assert.equal((await page.locator('h1').innerText()).trim(), 'Page not found', `${path} h1`);
    assert.equal(await page.title(), `Page not found – Online safety at ${ORG_NAME}`, 'the page, then the service');
    assert.ok(await page.locator('main a[href="/"]').count(), 'links back home');
    await assertHelpFooter(page);
  }
  await page.goto('/no-such-page');
  await checkA11y(page, '404 page');
  await page.close();
});

e2e('10. the worry page shows emergency help and the pictures notice without signing in', async () => {
  const page = await context.newPage();
  const response = await page.goto('/tell');
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/tell', 'no redirect to a sign-in page');
  assert.equal(response.headers()['cache-control'], 'no-store', 'the form page (with its token) is never cached');
  const main = page.locator('main');
  const text = await main.innerText();
  assert.match(text, /999/);
  assert.match(text, /CEOP/);
  assert.match(text, /Childline/);
  assert.match(text, /Please do not send pictures/);
  // The emergency help comes before the form.
  const order = await page.evaluate(() => {
    const box = document.querySelector('.danger-box');
    const form = document.querySelector('form.worry-form');
    return box && form ? box.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING : -1;
  });
  assert.ok(order > 0, 'the danger box comes before the form');
  assert.equal(await main.locator('a[href="tel:999"]').count(), 1);
  assert.ok(await page.locator('#worry-text').isVisible());
  assert.equal(await page.locator('input[name=urgency]').count(), 3);
  for (const label of ['It can wait a few days', 'I would like someone to look at it soon', 'It feels urgent']) {
    assert.ok(await page.getByLabel(label, { exact: true }).isVisible(), `radio labelled "${label}"`);
  }
  assert.equal(await page.locator('input[type=file]').count(), 0, 'no file upload');
  await assertHelpFooter(page);
  await checkA11y(page, '/tell');
  await page.close();
});
