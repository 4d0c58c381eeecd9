// Seen, not assumed: every page, signed out and signed in as each demo role (learner, staff, DSL,
// admin, parent), at 320, 768 and 1280 px wide. No page scrolls sideways, no element overflows its
// container (except inside a table's own scroll region), and axe finds nothing. Screenshots of
// every page at every width go to target/screenshots/<who>-<page>-<width>.png (kept, to look at).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setup, e2e, checkA11y, checkA11yNoJs, signIn, submit, chooseWorryDetails, REPO_DIR } from './harness.js';

const SHOTS = join(REPO_DIR, 'target/screenshots');
const WIDTHS = [320, 768, 1280];
const MODULE = 'four-cs-of-online-risk';

const PEOPLE = {
  learner: 'learner@wexmoorvale.example.org',
  staff: 'staff@wexmoorvale.example.org',
  dsl: 'safeguarding@wexmoorvale.example.org',
  admin: 'admin@wexmoorvale.example.org',
  parent: 'parent@wexmoorvale.example.org',
};

/** Pages anyone can open (and everyone signed in sees with their own header). */
const PUBLIC = [
  '/',
  '/learn',
  `/learn/${MODULE}`,
  '/learn/staff-roles-and-responsibilities',
  '/aup/learner-aup',
  '/tell',
  '/follow-up',
  '/parents',
  '/parents/if-you-are-worried',
  '/curriculum',
  '/verify',
  '/sign-in',
  '/no-such-page',
];

/** Each role's own pages besides the public ones; `{case}` and `{person}` are found on the way. */
const SIGNED_IN = {
  learner: ['/me', '/me/training', `/learn/${MODULE}/quiz`, '/me/worries'],
  staff: ['/me', '/me/training', '/learn/staff-roles-and-responsibilities/quiz', '/aup/staff-aup'],
  dsl: [
    '/me',
    '/me/training',
    '/worries',
    '{case}',
    '/compliance',
    `/compliance/list?item=MODULE%23${MODULE}`,
    '{person}',
    '/compliance/export',
    '/safeguarding-roles',
    '/admin/organisation',
    '/admin/organisation/history',
    '/admin/policies',
    '/admin/policies/edit?path=aups%2Fstaff-aup.md',
    '/admin/policies/versions?path=aups%2Fstaff-aup.md',
  ],
  admin: ['/me', '/me/training', '/admin/people', '/admin/people/import', '/compliance', '/admin/organisation', '/admin/organisation/history', '/admin/policies', '/admin/policies/edit?new=1'],
  parent: ['/me', '/me/children', '/me/training', '/aup/parent-visitor-aup'],
};

let env;

before(async () => {
  env = await setup();
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await env?.teardown();
});

/**
 * What spills sideways: the page's scroll width, and every element whose box reaches past its
 * parent's content box or the viewport, unless it is inside a scroll region (`.table-scroll`,
 * which scrolls on its own) or visually hidden.
 */
function measure(page) {
  return page.evaluate(() => {
    const root = document.documentElement;
    const name = (el) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`;
    const spill = [];
    for (const el of document.querySelectorAll('body *')) {
      if (el.closest('.visually-hidden, .skip-link, script, style, template')) continue;
      // Not shown (a closed menu's links): cannot spill.
      if (!el.checkVisibility({ visibilityProperty: true })) continue;
      // Hidden by clipping (a stacked table's header row on a phone): not seen, cannot spill.
      let clipped = false;
      for (let a = el; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).clipPath !== 'none') clipped = true;
      }
      if (clipped) continue;
      const scroller = el.parentElement?.closest('.table-scroll');
      if (scroller) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const style = getComputedStyle(el);
      if (style.position === 'fixed' || style.visibility === 'hidden') continue;
      const parent = el.parentElement;
      let limit = root.clientWidth;
      if (parent && parent !== document.body) {
        const pr = parent.getBoundingClientRect();
        const ps = getComputedStyle(parent);
        if (ps.display !== 'inline' && ps.display !== 'contents') {
          limit = Math.min(limit, pr.right - parseFloat(ps.borderRightWidth || '0'));
        }
      }
      if (r.right > limit + 1 || r.left < -1) {
        const text = el.textContent.trim().replace(/\s+/g, ' ').slice(0, 40);
        spill.push(`${name(el)} "${text}" (right ${Math.round(r.right)} > ${Math.round(limit)})`);
      }
    }
    // Scroll regions must be labelled and focusable (so a keyboard can scroll them).
    const unlabelled = [...document.querySelectorAll('.table-scroll')]
      .filter((el) => el.scrollWidth > el.clientWidth + 1)
      .filter((el) => el.getAttribute('role') !== 'region' || !(el.getAttribute('aria-labelledby') || el.getAttribute('aria-label')) || el.tabIndex < 0)
      .map(name);
    return {
      scrollWidth: root.scrollWidth,
      innerWidth: window.innerWidth,
      spill: spill.slice(0, 6),
      unlabelled,
    };
  });
}

/** Finds a worry case (one sent anonymously first) and a person record, for the DSL's pages. */
async function dslAddresses(context) {
  const anon = await env.newContext({ javaScriptEnabled: false });
  const ap = await anon.newPage();
  await ap.goto('/tell');
  await chooseWorryDetails(ap);
  await ap.locator('#urgency-soon').check();
  await ap.locator('#worry-text').fill('Someone in my class keeps posting mean comments under my photos.');
  await submit(ap, ap.getByRole('button', { name: 'Send' }));
  await anon.close();
  const page = await context.newPage();
  await page.goto('/worries');
  const worry = await page.locator('main a[href^="/worries/"]').first().getAttribute('href');
  await page.goto(`/compliance/list?item=MODULE%23${MODULE}`);
  const person = await page.locator('main a[href^="/compliance/people/"]').first().getAttribute('href');
  await page.close();
  return { '{case}': worry, '{person}': person };
}

async function visitAll(who, context, paths, names = {}) {
  const problems = [];
  const figures = [];
  for (const width of WIDTHS) {
    const page = await context.newPage();
    await page.setViewportSize({ width, height: width === 320 ? 640 : 900 });
    for (const path of paths) {
      const res = await page.goto(path);
      assert.ok(res.status() < 500, `${who} ${path}: ${res.status()}`);
      const m = await measure(page);
      const label = `${who} ${path} at ${width}px`;
      if (m.scrollWidth > m.innerWidth) problems.push(`${label}: the page is ${m.scrollWidth}px wide`);
      if (m.spill.length) problems.push(`${label}: overflowing: ${m.spill.join('; ')}`);
      if (m.unlabelled.length) problems.push(`${label}: unlabelled scroll region: ${m.unlabelled.join(', ')}`);
      if (width === 320) {
        const header = await page.locator('.site-header').boundingBox();
        figures.push(`${path}: ${m.scrollWidth}px wide, header ${Math.round(header?.height ?? 0)}px`);
      }
      const file = `${who}-${(names[path] ?? path).replace(/^\//, '').replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '') || 'home'}-${width}.png`;
      await page.screenshot({ path: join(SHOTS, file), fullPage: true });
      if (width !== 768) {
        try {
          await checkA11y(page, label);
        } catch (e) {
          problems.push(e.message);
        }
      }
    }
    await page.close();
  }
  process.stdout.write(`# ${who} at 320px:\n#   ${figures.join('\n#   ')}\n`);
  return problems;
}

e2e('signed out: no page scrolls sideways at 320, 768 or 1280 px', async () => {
  const context = await env.newContext();
  const problems = await visitAll('public', context, PUBLIC);
  await context.close();
  assert.deepEqual(problems, []);
}, { timeout: 300_000 });

for (const [role, email] of Object.entries(PEOPLE)) {
  e2e(`signed in as ${role}: no page scrolls sideways at 320, 768 or 1280 px`, async () => {
    const context = await env.newContext();
    await signIn(env.server, context, email);
    let paths = [...SIGNED_IN[role], ...PUBLIC.filter((p) => ['/', '/learn', '/tell'].includes(p))];
    const names = {};
    if (role === 'dsl') {
      const found = await dslAddresses(context);
      paths = paths.map((p) => found[p] ?? p);
      for (const [name, path] of Object.entries(found)) names[path] = name.replace(/[{}]/g, '');
    }
    const problems = await visitAll(role, context, paths, names);
    await context.close();
    assert.deepEqual(problems, []);
  }, { timeout: 300_000 });
}

e2e('on a phone (320x640, JavaScript off) the header is one short row, and its Menu button opens the links', async () => {
  const context = await env.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
  await signIn(env.server, context, PEOPLE.dsl);
  const page = await context.newPage();
  await page.goto('/worries');
  const header = await page.locator('.site-header').boundingBox();
  assert.ok(header.height <= 100, `the header takes ${header.height}px of 640`);
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.getByRole('link', { name: 'Compliance' }).isVisible(), false, 'the links are folded away');
  const menu = page.locator('.site-menu > summary');
  const box = await menu.boundingBox();
  assert.ok(box.width >= 44 && box.height >= 44, `the Menu button is at least 44x44: ${JSON.stringify(box)}`);
  await menu.click();
  await nav.getByRole('link', { name: 'Compliance' }).waitFor({ state: 'visible' });
  await page.screenshot({ path: join(SHOTS, 'dsl-menu-open-320.png') });
  await checkA11yNoJs(env.browser, page, 'the open menu at 320px');
  await submit(page, nav.getByRole('link', { name: 'Compliance' }));
  assert.equal(new URL(page.url()).pathname, '/compliance');
  // On a desktop the links are in the header and the button is not shown.
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.equal(await menu.isVisible(), false, 'no Menu button at 1280px');
  assert.ok(await nav.getByRole('link', { name: 'Concerns' }).isVisible(), 'the links show at 1280px');
  await context.close();
});

e2e('a quiz answer is one row, radio and words together, and the whole row is the click target', async () => {
  const context = await env.newContext({ viewport: { width: 320, height: 640 } });
  await signIn(env.server, context, PEOPLE.learner);
  const page = await context.newPage();
  await page.goto(`/learn/${MODULE}/quiz`);
  const option = page.locator('form.quiz .radio').first();
  const input = option.locator('input');
  const label = option.locator('label');
  const [ib, lb] = [await input.boundingBox(), await label.boundingBox()];
  assert.ok(lb.y <= ib.y && ib.y + ib.height <= lb.y + lb.height, `the box sits on the label's first line: ${JSON.stringify({ ib, lb })}`);
  assert.ok(lb.x <= ib.x, 'the label reaches under the box: the whole row is the target');
  assert.ok(lb.height >= 44 && lb.width >= 44, `the target is at least 44x44: ${JSON.stringify(lb)}`);
  // A click at the far end of the row, away from the words' start, chooses the answer.
  await page.mouse.click(lb.x + lb.width - 4, lb.y + lb.height - 4);
  assert.ok(await input.isChecked(), 'a click anywhere on the row picks it');
  await context.close();
});
