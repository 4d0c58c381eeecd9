// The organisation's profile in real Chromium: the DSL (Priya Marsh) opens it from her account
// page, sees only the safeguarding contacts, empties the DSL's phone by mistake (the form comes
// back with the GOV.UK error summary, linked to the field, and what was typed), then changes who
// is on duty at Site A and saves: "Saved. Version 2.", and the tell page shows the new name at
// once. The history lists her change. An admin sees every section, and makes Site A staff do
// the searching module: a module ticked for nobody is refused (linked to the role's list, the
// tick kept), then saved, in the history by title, and on the compliance dashboard for the three
// people of Site A staff. axe on the form, the error states, the saved states and the history;
// screenshots at 320 and 1280 px to target/screenshots/.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { screenshots, setup, e2e, checkA11y, signIn, submit, DSL_NAME } from './harness.js';

const DSL = 'safeguarding@wexmoorvale.example.org';
const ADMIN = 'admin@wexmoorvale.example.org';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

e2e('the DSL changes who is on duty, and the tell page shows the new name at once', async () => {
  const context = await env.newContext();
  await signIn(env.server, context, DSL);
  const page = await context.newPage();

  // From her account page to the profile: the contacts only.
  await page.goto('/me');
  let res = await submit(page, page.getByRole('link', { name: /^Organisation profile/ }));
  assert.equal(res.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/admin/organisation');
  assert.equal(await page.locator('h1').innerText(), 'Organisation profile');
  assert.equal(await page.getByLabel('Name of the organisation').count(), 0, 'the organisation section is for admins');
  assert.match(await page.locator('[data-testid=contacts-only]').innerText(), /Only an administrator can change/);
  const siteA = page.getByRole('group', { name: 'On duty 1' });
  assert.equal(await siteA.getByLabel('Site, or days').inputValue(), 'Site A (Wexmoor Road)');
  assert.equal(await siteA.getByLabel('Name', { exact: true }).inputValue(), 'Daniel Okafor');
  // Two empty rows to add one.
  assert.equal(await page.getByRole('group', { name: 'On duty 4 (new)' }).count(), 1);
  await checkA11y(page, 'the profile form (DSL)');
  await screenshots(page, 'organisation-dsl-form');

  // A mistake: the DSL's phone emptied. Nothing saved; the summary links to the field.
  const dsl = page.getByRole('group', { name: 'Designated safeguarding lead (DSL)' });
  await dsl.getByLabel('Phone number').fill('');
  await siteA.getByLabel('Name', { exact: true }).fill('Samira Lee');
  res = await submit(page, page.getByRole('button', { name: 'Save the profile' }));
  assert.equal(res.status(), 422);
  assert.match(await page.title(), /^Error: /);
  const summary = page.locator('[data-testid=error-summary]');
  assert.equal(await summary.getByRole('heading').innerText(), 'There is a problem');
  const link = summary.getByRole('link', { name: "Enter the DSL's phone number." });
  assert.equal(await link.getAttribute('href'), '#dsl-phone');
  assert.equal(await siteA.getByLabel('Name', { exact: true }).inputValue(), 'Samira Lee', 'what was typed is kept');
  assert.equal(await dsl.getByLabel('Phone number').getAttribute('aria-invalid'), 'true');
  await checkA11y(page, 'the profile form with a problem');
  await screenshots(page, 'organisation-dsl-error');
  await link.click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'dsl-phone', 'the link goes to the field');

  // Put right and saved.
  await dsl.getByLabel('Phone number').fill('01632 960101');
  res = await submit(page, page.getByRole('button', { name: 'Save the profile' }));
  assert.equal(res.status(), 200);
  assert.equal(new URL(page.url()).search, '?saved=2');
  assert.match(await page.locator('[data-testid=saved]').innerText(), /Saved\. Version 2\./);
  assert.equal(await siteA.getByLabel('Name', { exact: true }).inputValue(), 'Samira Lee');
  await checkA11y(page, 'the profile saved');
  await screenshots(page, 'organisation-dsl-saved');

  // The tell page, at once.
  res = await page.goto('/tell');
  assert.equal(res.status(), 200);
  const onDuty = await page.locator('[data-testid=on-duty]').innerText();
  assert.match(onDuty, /Site A \(Wexmoor Road\): Samira Lee/);
  assert.doesNotMatch(onDuty, /Site A \(Wexmoor Road\): Daniel Okafor/);

  // The history: her change, by her name.
  res = await page.goto('/admin/organisation/history');
  assert.equal(res.status(), 200);
  const newest = page.locator('[data-testid=version]').first();
  assert.equal(await newest.getByRole('heading').innerText(), 'Version 2');
  assert.match(await newest.innerText(), new RegExp(`by ${DSL_NAME}`));
  assert.match(await newest.innerText(), /Daniel Okafor → Samira Lee/);
  assert.equal(await page.locator('[data-testid=version]').count(), 2);
  await checkA11y(page, 'the profile history');
  await screenshots(page, 'organisation-history');
  await context.close();
});

e2e('an admin sees every section, and makes Site A staff do the searching module', async () => {
  const context = await env.newContext();
  await signIn(env.server, context, ADMIN);
  const page = await context.newPage();
  let res = await page.goto('/admin/organisation');
  assert.equal(res.status(), 200);
  assert.equal(await page.getByLabel('Name of the organisation').inputValue(), 'Wexmoor Vale College (demo)');
  assert.equal(await page.getByLabel('Kind of organisation').inputValue(), 'college');
  assert.equal(await page.locator('[data-testid=requirement]').count(), 4, "the demo's three and an empty one");
  const staff = page.getByRole('group', { name: 'Requirement 2', exact: true });
  assert.equal(await staff.getByLabel('Who must complete it').inputValue(), 'staff');
  assert.ok(await staff.getByRole('checkbox', { name: 'Staff acceptable use policy' }).isChecked());
  // Single sign-on: never a secret box, the variable it goes in instead.
  const provider = page.getByRole('group', { name: 'Provider 1', exact: true });
  assert.equal(await provider.getByLabel('Short name').inputValue(), 'demo');
  assert.match(await provider.locator('[data-testid=sso-secret]').innerText(), /APP_SSO_DEMO_CLIENT_SECRET/);
  assert.equal(await page.locator('input[name*=secret]').count(), 0);
  await checkA11y(page, 'the profile form (admin)');
  await screenshots(page, 'organisation-admin-form');

  // The searching module ticked in the empty requirement, for nobody: refused, the tick kept.
  const searching = 'Searching, screening and confiscation of phones and devices';
  const added = page.getByRole('group', { name: 'Requirement 4 (new)' });
  await added.getByRole('group', { name: 'Modules' }).getByRole('checkbox', { name: searching }).check();
  res = await submit(page, page.getByRole('button', { name: 'Save the profile' }));
  assert.equal(res.status(), 422);
  const summary = page.locator('[data-testid=error-summary]');
  const link = summary.getByRole('link', { name: 'Choose who requirement 4 is for.' });
  assert.equal(await link.getAttribute('href'), '#requirements-3-role');
  const typed = page.getByRole('group', { name: 'Requirement 4', exact: true });
  assert.ok(await typed.getByRole('checkbox', { name: searching }).isChecked(), 'what was ticked is kept');
  assert.equal(await typed.getByLabel('Who must complete it').getAttribute('aria-invalid'), 'true');
  await checkA11y(page, 'the profile form with a requirement problem');
  await screenshots(page, 'organisation-admin-requirement-error');
  await link.click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'requirements-3-role', 'the link goes to the list');

  // For Site A staff: saved.
  await typed.getByLabel('Who must complete it').selectOption('staff');
  await typed.getByLabel('Only people in this group (optional)').fill('Site A staff');
  res = await submit(page, page.getByRole('button', { name: 'Save the profile' }));
  assert.equal(res.status(), 200);
  assert.match(new URL(page.url()).search, /^\?saved=\d+$/, 'saved (after the DSL\'s version)');
  const saved = page.getByRole('group', { name: 'Requirement 4', exact: true });
  assert.equal(await saved.getByLabel('Only people in this group (optional)').inputValue(), 'Site A staff');
  assert.ok(await saved.getByRole('checkbox', { name: searching }).isChecked());
  await checkA11y(page, 'the profile saved (admin)');
  await screenshots(page, 'organisation-admin-requirement-saved');

  // The history says it by title; the dashboard counts it for the three people of Site A staff.
  res = await page.goto('/admin/organisation/history');
  assert.equal(res.status(), 200);
  assert.match(
    await page.locator('[data-testid=version]').first().innerText(),
    new RegExp(`Requirement added for Staff member, in Site A staff: modules “${searching}”`),
  );
  res = await page.goto('/compliance');
  assert.equal(res.status(), 200);
  const row = page.locator('[data-testid="numbers-staff-searching-screening-and-confiscation"]');
  assert.equal(await row.locator('[data-testid=assigned]').innerText(), '3');
  assert.match(await row.locator('[data-testid=not-started]').innerText(), /^3\b/);
  await context.close();
});
