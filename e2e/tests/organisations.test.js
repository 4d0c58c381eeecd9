// Two organisations on one local run, each found by its host name, in real Chromium. An operator
// creates Bramblefield School with `web create-org` at org-b.localhost (Chromium sends every
// *.localhost name to this machine); the demo college stays the default organisation at
// 127.0.0.1. Each address shows its own organisation's name and DSL; Bramblefield's first admin
// signs in with the emailed link at her own address and sees only her own people; her change of
// the DSL shows on her organisation's tell page at once and not on the college's; a worry told at
// Bramblefield reaches Bramblefield's DSL, with a link to Bramblefield's address, and nobody at
// the college. axe and screenshots (320 and 1280 px) of Bramblefield's pages.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_DIR, ORG_NAME, DSL_NAME, setup, e2e, signIn, submit, screenshots, runWebCommand, chooseWorryDetails, outboxMails, waitForMail,
} from './harness.js';

const ORG_B = 'Bramblefield School (test)';
const ORG_B_DSL = 'Bryony Bell';
const ORG_B_DSL_EMAIL = 'dsl@bramblefield.example.org';
const ORG_B_ADMIN = 'bea.admin@bramblefield.example.org';
const ORG_A_DSL_EMAIL = 'safeguarding@wexmoorvale.example.org';

let env;
let dataDir;
let atB;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'online-safety-e2e-orgs-'));
  // The demo profile as another organisation: its own id, name, DSL and DSL's address.
  const demo = readFileSync(join(REPO_DIR, 'content/organisations/demo.toml'), 'utf8');
  const profile = demo
    .replace('id = "demo"', 'id = "org-b"')
    .replace(`name = "${ORG_NAME}"`, `name = "${ORG_B}"`)
    .replace(`name = "${DSL_NAME}"`, `name = "${ORG_B_DSL}"`)
    .replace(`email = "${ORG_A_DSL_EMAIL}"`, `email = "${ORG_B_DSL_EMAIL}"`);
  assert.ok(profile.includes(ORG_B) && profile.includes(ORG_B_DSL_EMAIL), 'the copied profile names org B');
  const file = join(dataDir, 'org-b.toml');
  writeFileSync(file, profile);
  const created = runWebCommand(dataDir, ['create-org', file, ORG_B_ADMIN, 'Bea Admin', 'org-b.localhost']);
  assert.match(created, /created `org-b`/);
  env = await setup({ dataDir });
  atB = `http://org-b.localhost:${env.server.port}`;
});

after(async () => {
  await env?.teardown();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

e2e('each host its own organisation: pages, sign-in, people, profile edits and worries', async () => {
  const a = await env.newContext();
  const b = await env.newContext({ baseURL: atB });
  const pageA = await a.newPage();
  const pageB = await b.newPage();

  // Each address its own name and DSL.
  await pageB.goto('/');
  let text = await pageB.locator('body').innerText();
  assert.match(text, /Bramblefield School \(test\)/);
  assert.doesNotMatch(text, /Wexmoor Vale/);
  await screenshots(pageB, 'organisations-b-home', { a11y: true });
  await pageB.goto('/tell');
  text = await pageB.locator('main').innerText();
  assert.match(text, new RegExp(ORG_B_DSL));
  assert.doesNotMatch(text, new RegExp(DSL_NAME));
  await screenshots(pageB, 'organisations-b-tell', { a11y: true });
  await pageA.goto('/tell');
  text = await pageA.locator('main').innerText();
  assert.match(text, new RegExp(DSL_NAME));
  assert.doesNotMatch(text, /Bramblefield|Bryony/);

  // Org B's first admin signs in at org B's own address (the emailed link names it).
  await signIn(env.server, b, ORG_B_ADMIN);
  const mail = outboxMails(env.server).find((m) => m.to === ORG_B_ADMIN);
  assert.ok(mail.text.includes(`${atB}/sign-in/link?token=`), 'the link is to org B\'s address');
  await pageB.goto('/admin/people');
  text = await pageB.locator('main').innerText();
  assert.match(text, /Bea Admin/);
  assert.doesNotMatch(text, new RegExp(DSL_NAME), 'none of the college\'s people');
  // A new organisation's DSL has no account yet: the page says worries would reach nobody.
  const gaps = pageB.locator('[data-testid=role-gaps]');
  assert.match(await gaps.innerText(), /Worries would reach nobody: name an active DSL or deputy DSL first/);
  await screenshots(pageB, 'organisations-b-people', { a11y: true });
  // She invites the DSL the profile names, with the DSL role: that gap is closed (worries about
  // the DSL still need an allegations lead or a chair, and the page still says so).
  await pageB.getByLabel('Name', { exact: true }).fill(ORG_B_DSL);
  await pageB.getByLabel('Email address').fill(ORG_B_DSL_EMAIL);
  await pageB.locator('#invite-role-dsl').check();
  let invited = await submit(pageB, pageB.getByRole('button', { name: 'Invite' }));
  assert.equal(invited.status(), 200);
  assert.match(await pageB.locator('[role=status]').innerText(), /Bryony Bell was added/);
  await pageB.goto('/admin/people');
  const left = await gaps.innerText();
  assert.doesNotMatch(left, /Worries would reach nobody/);
  assert.match(left, /Worries about the DSL would reach nobody/);
  // Her session is nothing at the college's address.
  const cookies = await b.cookies(atB);
  const session = cookies.find((c) => c.name === 'session');
  assert.ok(session, 'signed in at org B');
  const res = await fetch(`${env.server.baseURL}/admin/people`, { headers: { cookie: `session=${session.value}` }, redirect: 'manual' });
  assert.notEqual(res.status, 200, 'org B\'s session at the college');
  assert.doesNotMatch(await res.text(), /Bea Admin|Priya Marsh/);

  // She changes her organisation's DSL: her tell page at once, not the college's.
  await pageB.goto('/admin/organisation');
  const dsl = pageB.getByRole('group', { name: 'Designated safeguarding lead (DSL)' });
  await dsl.getByLabel('Name', { exact: true }).fill('Bryony Bell-Hart');
  let r = await submit(pageB, pageB.getByRole('button', { name: 'Save the profile' }));
  assert.equal(r.status(), 200);
  assert.match(await pageB.locator('[data-testid=saved]').innerText(), /Saved\. Version 2\./);
  await pageB.goto('/tell');
  assert.match(await pageB.locator('main').innerText(), /Bryony Bell-Hart/);
  await pageA.goto('/tell');
  text = await pageA.locator('main').innerText();
  assert.match(text, new RegExp(DSL_NAME));
  assert.doesNotMatch(text, /Bryony/);

  // A worry told at org B (signed out) reaches org B's DSL, linking to org B's address.
  const before = new Set(outboxMails(env.server).map((m) => m.file));
  const teller = await env.newContext({ baseURL: atB });
  const tell = await teller.newPage();
  await tell.goto('/tell');
  await tell.locator('#worry-text').fill('Someone in my class keeps sending me messages at night.');
  await chooseWorryDetails(tell);
  await tell.locator('#urgency-soon').check();
  r = await submit(tell, tell.getByRole('button', { name: 'Send' }));
  assert.equal(r.status(), 200);
  const note = await waitForMail(env.server, (m) => !before.has(m.file) && m.to === ORG_B_DSL_EMAIL, { what: 'the worry notification to org B\'s DSL' });
  assert.ok(note.text.includes(atB), `the notification links to org B's address:\n${note.text}`);
  await new Promise((ok) => setTimeout(ok, 1000));
  const toCollege = outboxMails(env.server).filter((m) => !before.has(m.file) && m.to.endsWith('wexmoorvale.example.org'));
  assert.deepEqual(toCollege.map((m) => `${m.to}: ${m.subject}`), [], 'nobody at the college hears of org B\'s worry');
  await teller.close();
  await a.close();
  await b.close();
});
