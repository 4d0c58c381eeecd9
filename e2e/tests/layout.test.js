// Reflow: the pages work on a 320px-wide screen (WCAG 1.4.10; the same as 1280px at 400% zoom)
// and at 200% zoom, without horizontal scrolling. Saves screenshots to test-results/.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, waitForHydration, resultsPath, CODE_PATTERN, chooseWorryDetails,
} from './harness.js';

const MODULE = '/learn/four-cs-of-online-risk';
const PAGES = ['/', '/parents', '/parents/if-you-are-worried', '/parents/talking-with-your-child', MODULE, '/follow-up', '/no-such-page'];

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

async function overflow(page) {
  return page.evaluate(() => {
    const root = document.documentElement;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
      .filter((el) => !el.closest('.visually-hidden'))
      .map((el) => {
        const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).trim().split(/\s+/).join('.')}` : ''}`;
        const text = el.textContent.trim().replace(/\s+/g, ' ').slice(0, 50);
        return `${name} "${text}" (right edge ${Math.round(el.getBoundingClientRect().right)}px)`;
      })
      .slice(-5);
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide };
  });
}

async function horizontalScroll(page, label) {
  const o = await overflow(page);
  return o.scrollWidth <= o.clientWidth
    ? null
    : `${label}: horizontal scroll (scrollWidth ${o.scrollWidth} > clientWidth ${o.clientWidth}); too wide: ${o.wide.join(', ')}`;
}

async function assertNoHorizontalScroll(page, label) {
  const problem = await horizontalScroll(page, label);
  assert.equal(problem, null, problem ?? '');
}

e2e('11. the worry page reflows at 320px without horizontal scrolling (empty, error, sent)', async () => {
  const context = await env.newContext({ viewport: { width: 320, height: 720 } });
  const page = await context.newPage();
  const problems = [];
  await page.goto('/tell');
  await waitForHydration(page);
  problems.push(await horizontalScroll(page, '/tell at 320px'));
  await page.screenshot({ path: resultsPath('tell-form-320.png'), fullPage: true });

  // The worry form in use: an error, then the confirmation with its long code.
  await page.locator('#worry-text').fill('x'.repeat(300));
  await page.evaluate(() => document.querySelectorAll('[required]').forEach((el) => el.removeAttribute('required')));
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.error-summary').waitFor({ state: 'visible' });
  problems.push(await horizontalScroll(page, '/tell error at 320px'));
  await page.screenshot({ path: resultsPath('tell-error-320.png'), fullPage: true });

  await page.getByLabel('It can wait a few days', { exact: true }).check();
  await chooseWorryDetails(page);
  await page.getByRole('button', { name: 'Send' }).click();
  const code = page.locator('[data-testid=follow-up-code]');
  await code.waitFor({ state: 'visible' });
  assert.match((await code.innerText()).trim(), CODE_PATTERN);
  problems.push(await horizontalScroll(page, '/tell confirmation at 320px'));
  const box = await code.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 320, `the follow-up code fits on screen: ${JSON.stringify(box)}`);
  await page.screenshot({ path: resultsPath('tell-confirmation-320.png'), fullPage: true });
  await checkA11y(page, '/tell confirmation at 320px');
  await context.close();
  assert.deepEqual(problems.filter(Boolean), [], 'no horizontal scrolling');
});

e2e('11b. every other page reflows at 320px without horizontal scrolling', async () => {
  const context = await env.newContext({ viewport: { width: 320, height: 720 } });
  const page = await context.newPage();
  const problems = [];
  for (const path of PAGES) {
    await page.goto(path);
    if (path === MODULE) await waitForHydration(page);
    problems.push(await horizontalScroll(page, `${path} at 320px`));
  }
  await context.close();
  assert.deepEqual(problems.filter(Boolean), [], 'no horizontal scrolling');
});

e2e('11c. the worry page at 200% zoom (1280px window) has no horizontal scrolling', async () => {
  // 200% zoom of a 1280x800 window: a 640x400 CSS-pixel viewport at device scale 2.
  const context = await env.newContext({ viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  for (const path of ['/tell', MODULE, '/follow-up']) {
    await page.goto(path);
    await assertNoHorizontalScroll(page, `${path} at 200% zoom`);
  }
  await context.close();
});

e2e('screenshots of /tell and the module page at 320px and 1280px', async () => {
  for (const width of [320, 1280]) {
    const context = await env.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    for (const [path, name] of [
      ['/tell', 'tell'],
      [MODULE, 'module'],
    ]) {
      await page.goto(path);
      // Screenshots are wanted even when the islands are broken (other tests report that).
      await waitForHydration(page).catch(() => {});
      await page.screenshot({ path: resultsPath(`${name}-${width}.png`), fullPage: true });
    }
    // The module with its contents open.
    const toggle = page.locator('.contents summary');
    if (await toggle.isVisible()) {
      await toggle.click();
      await page.screenshot({ path: resultsPath(`module-open-${width}.png`) });
    }
    await page.goto('/');
    await page.screenshot({ path: resultsPath(`home-${width}.png`), fullPage: true });
    await context.close();
  }
});
