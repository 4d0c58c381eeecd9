// Families in real Chromium: an admin links the demo parent to the demo learner on the learner's
// family page (/admin/people/{id}/family) and records the learner's date of birth; the learner
// signs their acceptable use policy; the parent opens /me/children and co-signs it (typed name,
// declaration). axe runs on both pages (before and after each change); screenshots at 320 and
// 1280 px wide of both pages go to target/screenshots/family-*.png (and nothing may scroll sideways).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { screenshots, setup, e2e, checkA11y, signIn, submit } from './harness.js';

const ADMIN = 'admin@wexmoorvale.example.org';
const LEARNER = 'learner@wexmoorvale.example.org';
const PARENT = 'parent@wexmoorvale.example.org';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

e2e('an admin links a parent to a child; the parent sees the AUP and co-signs it after the child signs', async () => {
  // The admin: from the people list to the learner's family page.
  const adminCtx = await env.newContext();
  await signIn(env.server, adminCtx, ADMIN);
  const admin = await adminCtx.newPage();
  let res = await admin.goto('/admin/people');
  assert.equal(res.status(), 200);
  res = await submit(admin, admin.getByRole('link', { name: 'Family of Alex Rivers' }));
  assert.equal(res.status(), 200);
  assert.match(new URL(admin.url()).pathname, /^\/admin\/people\/[^/]+\/family$/);
  assert.equal(await admin.locator('h1').innerText(), 'Family of Alex Rivers');
  assert.equal(await admin.locator('[data-testid=no-parents]').count(), 1);
  await checkA11y(admin, 'the family page, nobody linked');

  // An email nobody has: the form comes back with what was typed and why.
  await admin.getByLabel('Email address of a parent or carer here to link').fill('nobody@wexmoorvale.example.org');
  res = await submit(admin, admin.getByRole('button', { name: 'Link', exact: true }));
  assert.equal(res.status(), 422);
  assert.match(await admin.locator('[role=alert]').innerText(), /Nobody in your organisation has that email address/);
  assert.equal(await admin.getByLabel('Email address of a parent or carer here to link').inputValue(), 'nobody@wexmoorvale.example.org');
  await checkA11y(admin, 'the family page, an unknown email');

  // The parent linked, and the date of birth (13 years old).
  await admin.getByLabel('Email address of a parent or carer here to link').fill(PARENT);
  res = await submit(admin, admin.getByRole('button', { name: 'Link', exact: true }));
  assert.equal(res.status(), 200);
  assert.match(await admin.locator('[role=status]').innerText(), /Linked Jo Rivers\./);
  assert.match(await admin.locator('[data-testid=parents]').innerText(), /Jo Rivers \(parent@wexmoorvale\.example\.org\)/);
  await admin.getByRole('textbox', { name: 'Date of birth' }).fill('2013-09-01');
  res = await submit(admin, admin.getByRole('button', { name: 'Save date of birth' }));
  assert.equal(res.status(), 200);
  assert.match(await admin.locator('[role=status]').innerText(), /The date of birth was saved\./);
  assert.equal(await admin.getByRole('textbox', { name: 'Date of birth' }).inputValue(), '2013-09-01');
  await checkA11y(admin, 'the family page, a parent linked');
  await screenshots(admin, 'family-admin-family');

  // The parent: the child is there, not signed yet, nothing to co-sign.
  const parentCtx = await env.newContext();
  await signIn(env.server, parentCtx, PARENT);
  const parent = await parentCtx.newPage();
  res = await parent.goto('/me/children');
  assert.equal(res.status(), 200);
  const child = parent.locator('[data-testid=child]');
  assert.equal(await child.locator('h2').innerText(), 'Alex Rivers');
  assert.match(await child.innerText(), /Under 16/);
  assert.match(await child.innerText(), /Alex Rivers has not signed the current version yet\./);
  assert.equal(await parent.locator('[data-testid=cosign-form]').count(), 0);
  await checkA11y(parent, '/me/children, the child not signed yet');

  // The child signs their AUP.
  const learnerCtx = await env.newContext();
  await signIn(env.server, learnerCtx, LEARNER);
  const learner = await learnerCtx.newPage();
  res = await learner.goto('/aup/learner-aup');
  assert.equal(res.status(), 200);
  await learner.getByLabel('Type your full name').fill('Alex Rivers');
  await learner.getByLabel(/I have read this policy/).check();
  res = await submit(learner, learner.getByRole('button', { name: 'Sign' }));
  assert.equal(res.status(), 200);
  assert.match(await learner.locator('main').innerText(), /Signed on/);
  await learnerCtx.close();

  // The parent co-signs: typed name and the declaration, from the keyboard-reachable form.
  res = await parent.goto('/me/children');
  assert.equal(res.status(), 200);
  assert.match(await child.innerText(), /Alex Rivers signed it on/);
  const form = parent.locator('[data-testid=cosign-form]');
  assert.equal(await form.count(), 1);
  await checkA11y(parent, '/me/children, ready to co-sign');
  await screenshots(parent, 'family-children-to-cosign');
  await form.getByLabel('Type your full name to co-sign').fill('Jo Rivers');
  await form.getByLabel(/I have read this policy \(version .*\) with Alex Rivers/).check();
  res = await submit(parent, form.getByRole('button', { name: /^Co-sign/ }));
  assert.equal(res.status(), 200);
  assert.match(await parent.locator('[role=status]').innerText(), /you have co-signed your child's agreement/);
  assert.match(await parent.locator('[data-testid=cosigned]').innerText(), /Co-signed on .* as Jo Rivers\./);
  assert.equal(await parent.locator('[data-testid=cosign-form]').count(), 0);
  await checkA11y(parent, '/me/children, co-signed');
  await screenshots(parent, 'family-children-cosigned');

  // The admin's family page still shows the link; the unlink button names the person.
  res = await admin.reload();
  assert.equal(res.status(), 200);
  assert.equal(await admin.getByRole('button', { name: 'Unlink Jo Rivers' }).count(), 1);

  await parentCtx.close();
  await adminCtx.close();
});
