// A worry's whole journey through the pages in real Chromium: a learner sends one with their
// name (JavaScript on) and someone sends one anonymously (JavaScript off); the people it is
// routed to get an email in the outbox that never holds what was written; the DSL signs in,
// acknowledges, adds a note and a referral, replies; the sender reads the reply (by follow-up
// code, or signed in) and adds information; the DSL closes it; the audit list shows every view.
// Then the refusals: a learner on the handlers' pages, a guessed id, a worry about the DSL.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup,
  e2e,
  checkA11y,
  checkA11yNoJs,
  waitForHydration,
  waitForMail,
  outboxMails,
  signIn,
  pageText,
  CODE_PATTERN,
  DSL_NAME,
  screenshots,
} from './harness.js';

const LEARNER = 'learner@wexmoorvale.example.org';
const DSL = 'safeguarding@wexmoorvale.example.org';
const DEPUTY = 'd.okafor@wexmoorvale.example.org';
const PRINCIPAL = 'principal@wexmoorvale.example.org';

const NAMED_TEXT = 'Someone I met in a game keeps asking me for photos & says he will share what I sent <b>before</b>.';
const ANON_TEXT = 'My friend is being sent horrible messages in a group chat every night.';
const ABOUT_DSL_TEXT = 'I am worried about how the safeguarding lead spoke to a student.';

let env;
let learner; // JavaScript on, signed in as the learner
let anon; // JavaScript off, never signed in
let dsl; // JavaScript off, signed in as the DSL

before(async () => {
  env = await setup();
  learner = await env.newContext();
  anon = await env.newContext({ javaScriptEnabled: false });
  dsl = await env.newContext({ javaScriptEnabled: false });
});

after(async () => {
  await learner?.close();
  await anon?.close();
  await dsl?.close();
  await env?.teardown();
});

/** Clicks a submit button and waits for the page its form leads to (JavaScript off). */
async function submit(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation(), locator.click()]);
  return response;
}

/** The worry id in a notification email's link (and checks the email leaks nothing). */
function worryLink(mail, ...secrets) {
  const link = mail.text.match(/http:\/\/\S+\/(me\/)?worries\/([0-9a-f-]{36})/);
  assert.ok(link, `a link to the worry in:\n${mail.text}`);
  assert.equal(new URL(link[0]).origin, env.server.baseURL);
  for (const s of secrets) {
    assert.ok(!mail.text.includes(s.slice(0, 20)) && !mail.subject.includes(s.slice(0, 20)), `the email must not hold what was written:\n${mail.text}`);
  }
  return link[2];
}

/** Sends the form on the case page whose summary is `summary` (opening its <details>). */
async function act(page, summary, fill) {
  const details = page.locator('details', { has: page.locator('summary', { hasText: summary }) });
  if ((await details.count()) > 0) {
    await details.locator('summary').click();
    await fill(details);
    return submit(page, details.locator('button[type=submit]'));
  }
  await fill(page);
  return submit(page, page.getByRole('button', { name: summary, exact: true }));
}

e2e('a worry reaches the DSL by email, is handled, answered, added to and closed; the audit shows each view', async () => {
  // 1. The learner, signed in, sends one with their name (JavaScript on).
  await signIn(env.server, learner, LEARNER);
  const lp = await learner.newPage();
  await lp.goto('/tell');
  await waitForHydration(lp);
  const tellText = await pageText(lp);
  for (const needed of ['999', 'CEOP', 'Childline', 'Please do not send pictures', 'cannot see it', 'out-of-hours emergency social care team', 'Site B (Vale Street): Hannah Cole', 'Emergency duty team']) {
    assert.ok(tellText.includes(needed), `the form page says "${needed}"`);
  }
  await lp.locator('#about-me').check();
  await lp.locator('#involves-nobody').check();
  await lp.locator('#kind-met-online').check();
  await lp.locator('#urgency-urgent').check();
  await lp.locator('#worry-text').fill(NAMED_TEXT);
  await lp.locator('#wants_contact-yes').check();
  await lp.locator('#contact-how').fill('At break time, not by phone');
  await lp.locator('#identity-named').check();
  await lp.locator('#email_replies').check();
  await lp.getByRole('button', { name: 'Send' }).click();
  const ownLink = lp.locator('[data-testid=own-worry-link]');
  await ownLink.waitFor({ state: 'visible' });
  assert.equal(await lp.locator('[data-testid=follow-up-code]').count(), 0, 'a named worry has no follow-up code');
  const ownPath = await ownLink.getAttribute('href');
  assert.match(ownPath, /^\/me\/worries\/[0-9a-f-]{36}$/);

  // 2. Someone sends one anonymously (JavaScript off).
  const ap = await anon.newPage();
  await ap.goto('/tell');
  assert.equal(await ap.locator('#identity-named').count(), 0, 'signed out, there is no choice to send it named');
  await ap.locator('#about-a_friend').check();
  await ap.locator('#involves-nobody').check();
  await ap.locator('#kind-bullying').check();
  await ap.locator('#urgency-soon').check();
  await ap.locator('#worry-text').fill(ANON_TEXT);
  await ap.locator('#wants_contact-no').check();
  const sent = await submit(ap, ap.getByRole('button', { name: 'Send' }));
  assert.equal(sent.status(), 200);
  const code = (await ap.locator('[data-testid=follow-up-code]').innerText()).trim();
  assert.match(code, CODE_PATTERN);

  // 3. The DSL and the deputy are emailed, urgent first in the subject; never the text.
  const urgentMail = await waitForMail(env.server, (m) => m.to === DSL && m.subject.startsWith('URGENT: A new concern'), { what: 'urgent email to the DSL' });
  const namedId = worryLink(urgentMail, NAMED_TEXT, ANON_TEXT);
  assert.equal(ownPath, `/me/worries/${namedId}`);
  const plainMail = await waitForMail(env.server, (m) => m.to === DSL && m.subject.startsWith('A new concern'), { what: 'email to the DSL' });
  const anonId = worryLink(plainMail, NAMED_TEXT, ANON_TEXT);
  await waitForMail(env.server, (m) => m.to === DEPUTY && m.text.includes(anonId), { what: 'email to the deputy' });
  assert.equal(outboxMails(env.server).filter((m) => m.to === PRINCIPAL).length, 0, 'the allegations lead is not emailed about these');

  // 4. The DSL signs in: the inbox, with counts, newest first, urgent marked.
  await signIn(env.server, dsl, DSL);
  const dp = await dsl.newPage();
  await dp.goto('/');
  assert.equal(await dp.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Concerns' }).count(), 1);
  let res = await dp.goto('/worries');
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['cache-control'], 'no-store');
  assert.equal((await dp.locator('[data-testid=count-open]').innerText()).trim(), '2');
  assert.equal((await dp.locator('[data-testid=count-new]').innerText()).trim(), '2');
  assert.equal((await dp.locator('[data-testid=count-urgent]').innerText()).trim(), '1');
  const rows = dp.locator('table.inbox tbody tr');
  assert.equal(await rows.count(), 2);
  // Newest first (the anonymous one was sent second); the urgent one is marked.
  assert.equal(await rows.nth(0).locator(`a[href="/worries/${anonId}"]`).count(), 1);
  assert.doesNotMatch((await rows.nth(0).getAttribute('class')) ?? '', /urgent/);
  assert.match(await rows.nth(1).getAttribute('class'), /urgent/);
  assert.ok(!(await pageText(dp)).includes(ANON_TEXT.slice(0, 20)), 'the list does not show what was written');
  await checkA11yNoJs(env.browser, dp, '/worries');

  // 5. Open the anonymous one from the email's link; acknowledge, note, referral, reply.
  res = await dp.goto(`/worries/${anonId}`);
  assert.equal(res.status(), 200);
  assert.equal((await dp.locator('[data-testid=worry-text]').innerText()).trim(), ANON_TEXT);
  await checkA11yNoJs(env.browser, dp, '/worries/{id}');
  res = await act(dp, 'Acknowledge', async () => {});
  assert.equal(res.status(), 200);
  assert.equal((await dp.locator('[data-testid=case-status]').innerText()).trim(), 'Acknowledged');
  res = await act(dp, 'Add a note', (f) => f.locator('textarea').fill('Spoke to the form tutor; checking the group chat.'));
  assert.equal(res.status(), 200);
  res = await act(dp, 'Record a referral', async (f) => {
    await f.locator('select[name=to]').selectOption('childrens_social_care');
    await f.locator('input[name=reference]').fill('CSC-2026-118');
    await f.locator('textarea').fill('Referred after a second report.');
  });
  assert.equal(res.status(), 200);
  const REPLY = 'Thank you for telling us. We are looking into it today; you did the right thing.';
  res = await act(dp, 'Reply to the person who sent it', (f) => f.locator('textarea').fill(REPLY));
  assert.equal(res.status(), 200);
  const chronology = await dp.locator('[data-testid=chronology]').innerText();
  for (const line of ['Opened it for the first time', 'Acknowledged it', 'Added a note', 'Spoke to the form tutor',
    "Made a referral to Children's social care (or adult social care) (reference CSC-2026-118)", 'Replied to the person who sent it', REPLY]) {
    assert.ok(chronology.includes(line), `the chronology shows "${line}":\n${chronology}`);
  }
  assert.ok(chronology.includes(DSL_NAME), 'each entry says who');

  // Decisions with their reasons, and a review date (JavaScript off): the image incident's own
  // fields are in the chronology; a refused one keeps what was typed.
  res = await act(dp, 'Record an image incident (nudes or semi-nudes)', async (f) => {
    await f.locator('#viewed-yes').check();
    await f.locator('#image-devices').fill('Her phone (Snapchat); his phone');
    await f.locator('select[name=deletion]').selectOption('asked_to_delete');
    await f.locator('#police-no').check();
    await f.locator('#image-police-reason').fill('Both 15, no adult involved, no coercion');
    await f.locator('#image-text').fill('Handled in school under the UKCIS advice');
  });
  assert.equal(res.status(), 422, 'viewed, but not who viewed it');
  assert.match(await dp.locator('#form-error').innerText(), /who viewed the image and why/);
  assert.equal(await dp.locator('#image-devices').inputValue(), 'Her phone (Snapchat); his phone');
  await dp.locator('#image-viewed-by').fill('The DSL, to decide on a referral: nobody could describe it');
  res = await submit(dp, dp.getByRole('button', { name: 'Record the incident' }));
  assert.equal(res.status(), 200);
  res = await act(dp, 'Decision: parents or carers told', async (f) => {
    await f.locator('#informed-yes').check();
    await f.locator('#parents-text').fill('Her mother came in on Tuesday; she agreed the plan.');
  });
  assert.equal(res.status(), 200);
  const due = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  res = await act(dp, 'Set a review date', async (f) => {
    await f.locator('#review-due').fill(due);
    await f.locator('#review-text').fill('Whether the image was taken down everywhere');
  });
  assert.equal(res.status(), 200);
  assert.match(await dp.locator('[data-testid=case-review]').innerText(), /Whether the image was taken down everywhere/);
  const decided = await dp.locator('[data-testid=chronology]').innerText();
  for (const line of ['Image incident recorded (UKCIS): not referred to the police', 'Who viewed it and why',
    'The DSL, to decide on a referral: nobody could describe it', 'Decision: Parents or carers were told', 'Set a review for']) {
    assert.ok(decided.includes(line), `the chronology shows "${line}":\n${decided}`);
  }
  await checkA11yNoJs(env.browser, dp, '/worries/{id} with decisions');
  await screenshots(dp, 'worries-case-decisions');

  // A refused action keeps what was typed: closing without an outcome (required dropped).
  await dp.locator('details', { has: dp.locator('summary', { hasText: 'Close it' }) }).locator('summary').click();
  await dp.evaluate(() => document.querySelectorAll('[required]').forEach((el) => el.removeAttribute('required')));
  await dp.locator('#close-text').fill('Kept when refused');
  res = await submit(dp, dp.getByRole('button', { name: 'Close it', exact: true }));
  assert.equal(res.status(), 422);
  assert.match(await dp.locator('#form-error').innerText(), /choose an outcome/);
  assert.equal(await dp.locator('#close-text').inputValue(), 'Kept when refused');

  // 6. The sender reads the reply with the code, and adds information.
  res = await ap.goto('/follow-up');
  await ap.locator('#code').fill(code);
  res = await submit(ap, ap.getByRole('button', { name: 'Look it up' }));
  assert.equal(res.status(), 200);
  assert.equal((await ap.locator('[data-testid=status]').innerText()).trim(), 'The safeguarding team has read it.');
  const messages = await ap.locator('ol.messages').innerText();
  assert.ok(messages.includes(REPLY), `the reply is shown:\n${messages}`);
  assert.ok(!(await pageText(ap)).includes('Spoke to the form tutor'), 'notes are never shown to the sender');
  assert.ok(!messages.includes(DSL_NAME), 'nor who handled it');
  await ap.locator('#add-text').fill('He messaged again last night.');
  res = await submit(ap, ap.getByRole('button', { name: 'Send', exact: true }));
  assert.equal(res.status(), 200);
  assert.match(await ap.locator('.notice').innerText(), /has been sent to the safeguarding team/);
  assert.ok((await ap.locator('ol.messages').innerText()).includes('He messaged again last night.'));
  await checkA11yNoJs(env.browser, ap, '/follow-up with messages');
  await waitForMail(env.server, (m) => m.to === DSL && m.subject.startsWith('More information was added') && m.text.includes(anonId), { what: 'more-information email' });

  // 7. The DSL closes it with an outcome.
  await dp.goto(`/worries/${anonId}`);
  assert.ok((await dp.locator('[data-testid=chronology]').innerText()).includes('He messaged again last night.'));
  res = await act(dp, 'Close it', async (f) => {
    await f.locator('select[name=outcome]').selectOption('resolved_internally');
    await f.locator('textarea').fill('Group chat removed; parents informed.');
  });
  assert.equal(res.status(), 200);
  assert.equal((await dp.locator('[data-testid=case-status]').innerText()).trim(), 'Closed');
  assert.ok((await dp.locator('[data-testid=chronology]').innerText()).includes('Closed it: Resolved within the organisation'));

  // 8. The audit list: every view, by whom, and the sender's read by code.
  const audit = await dp.locator('[data-testid=audit]').innerText();
  const views = audit.split('\n').filter((l) => l.includes(DSL_NAME) && l.includes('Viewed')).length;
  assert.ok(views >= 8, `each page view of the DSL is audited (${views}):\n${audit}`);
  assert.ok(audit.includes('Read by its sender (follow-up code)'), audit);

  await dp.goto('/worries');
  assert.equal((await dp.locator('[data-testid=count-open]').innerText()).trim(), '1');
  await dp.goto('/worries?show=closed');
  assert.equal(await dp.locator(`a[href="/worries/${anonId}"]`).count(), 1, 'the closed list has it');

  // 9. A reply to the named worry reaches the learner's account, by email and on the page.
  await dp.goto(`/worries/${namedId}`);
  assert.match(await pageText(dp), /Alex Rivers \(signed in/);
  assert.match(await pageText(dp), /At break time, not by phone/);
  const NAMED_REPLY = 'Please come and see me at break tomorrow. Do not send him anything.';
  res = await act(dp, 'Reply to the person who sent it', (f) => f.locator('textarea').fill(NAMED_REPLY));
  assert.equal(res.status(), 200);
  // They asked to be emailed: the email says only that there is a message (a mailbox a parent
  // may read), no organisation or safeguarding words.
  const replyMail = await waitForMail(env.server, (m) => m.to === LEARNER && m.subject === 'You have a new message', { what: 'reply email to the learner' });
  assert.doesNotMatch(replyMail.text, /safeguard|concern|worry|Wexmoor/i);
  assert.equal(worryLink(replyMail, NAMED_REPLY, NAMED_TEXT), namedId);
  res = await lp.goto(ownPath);
  assert.equal(res.status(), 200);
  assert.ok((await lp.locator('ol.messages').innerText()).includes(NAMED_REPLY));
  assert.equal((await lp.locator('.message-text').first().innerText()).trim(), NAMED_TEXT, 'a named sender sees their own words');
  await checkA11y(lp, '/me/worries/{id}');
  res = await lp.goto('/me/worries');
  assert.equal(await lp.locator(`a[href="${ownPath}"]`).count(), 1);
  await lp.close();
  await ap.close();
  await dp.close();
});

e2e('the refusals: a learner on the handlers pages, guessed ids, someone else\'s worry, a worry about the DSL', async () => {
  const lp = await learner.newPage();
  let res = await lp.goto('/worries');
  assert.equal(res.status(), 403, 'a learner cannot open the inbox');
  const dp = await dsl.newPage();
  // The anonymous worry of the first test (closed by now): not the learner's.
  await dp.goto('/worries?show=closed');
  const someId = (await dp.locator('table.inbox tbody a').first().getAttribute('href')).split('/').pop();
  res = await lp.goto(`/worries/${someId}`);
  assert.equal(res.status(), 403, 'nor a worry');
  res = await dp.goto('/worries/0190f5c2-1111-7000-8000-000000000000');
  assert.equal(res.status(), 404, 'a guessed id is not found');
  res = await lp.goto(`/me/worries/${someId}`);
  assert.equal(res.status(), 404, "another person's worry is not found");
  // An action without the session's CSRF token is refused and changes nothing.
  res = await dp.request.post(`/worries/${someId}/act`, {
    form: { action: 'note', text: 'forged', form_id: '0190f5c2-2222-7000-8000-000000000000', version: '1' },
  });
  assert.equal(res.status(), 403);
  await dp.goto(`/worries/${someId}`);
  assert.ok(!(await dp.locator('[data-testid=chronology]').innerText()).includes('forged'));

  // "With my name" needs this session's own form: a forged CSRF token is refused, nothing stored.
  const tellPage = await (await learner.request.get('/tell')).text();
  const token = tellPage.match(/name="token" value="([^"]+)"/)[1];
  const named = { token, text: 'Forged named worry', urgency: 'soon', about: 'me', involves: 'nobody', kind: 'other', wants_contact: 'no', identity: 'named' };
  res = await learner.request.post('/tell', { form: { ...named, csrf: 'forged' } });
  assert.equal(res.status(), 422);
  assert.match(await res.text(), /no longer signed in/);
  res = await learner.request.post('/tell', { form: named });
  assert.equal(res.status(), 422, 'without the token too');
  await lp.goto('/me/worries');
  assert.equal(await lp.locator('table.list tbody tr').count(), 1, 'still only the first test\'s named worry');

  // A worry about the DSL goes to the allegations lead only: the DSL cannot see it at all.
  await dp.goto('/worries');
  const openBefore = (await dp.locator('[data-testid=count-open]').innerText()).trim();
  const ap = await anon.newPage();
  await ap.goto('/tell');
  await ap.locator('#about-someone_else').check();
  await ap.locator('#involves-dsl').check();
  await ap.locator('#kind-other').check();
  await ap.locator('#urgency-soon').check();
  await ap.locator('#worry-text').fill(ABOUT_DSL_TEXT);
  await ap.locator('#wants_contact-no').check();
  assert.equal((await submit(ap, ap.getByRole('button', { name: 'Send' }))).status(), 200);
  const mail = await waitForMail(env.server, (m) => m.to === PRINCIPAL && m.subject.startsWith('A new concern'), { what: 'email to the allegations lead' });
  const aboutDslId = worryLink(mail, ABOUT_DSL_TEXT);
  assert.equal(outboxMails(env.server).filter((m) => m.text.includes(aboutDslId) && m.to !== PRINCIPAL).length, 0, 'nobody else is emailed');
  res = await dp.goto(`/worries/${aboutDslId}`);
  assert.equal(res.status(), 404, 'the DSL cannot open it');
  await dp.goto('/worries');
  assert.equal((await dp.locator('[data-testid=count-open]').innerText()).trim(), openBefore, 'nor count it');
  assert.equal(await dp.locator(`a[href="/worries/${aboutDslId}"]`).count(), 0, 'nor list it');

  const principal = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, principal, PRINCIPAL);
  const pp = await principal.newPage();
  res = await pp.goto(`/worries/${aboutDslId}`);
  assert.equal(res.status(), 200);
  assert.equal((await pp.locator('[data-testid=worry-text]').innerText()).trim(), ABOUT_DSL_TEXT);
  await principal.close();
  await lp.close();
  await ap.close();
  await dp.close();
});

e2e('the DSL moves a worry to "About the DSL": it leaves their inbox, and the allegations lead finds it with the move and the DSL\'s refused look', async () => {
  const MOVED_TEXT = 'A teacher keeps messaging my friend late at night. It is the safeguarding lead.';
  const REASON = 'The learner says it is about me: the allegations lead must take it.';
  const before = new Set(outboxMails(env.server).map((m) => m.file));
  const ap = await anon.newPage();
  await ap.goto('/tell');
  await ap.locator('#about-a_friend').check();
  await ap.locator('#involves-nobody').check();
  await ap.locator('#kind-other').check();
  await ap.locator('#urgency-soon').check();
  await ap.locator('#worry-text').fill(MOVED_TEXT);
  await ap.locator('#wants_contact-no').check();
  assert.equal((await submit(ap, ap.getByRole('button', { name: 'Send' }))).status(), 200);
  const mail = await waitForMail(env.server, (m) => !before.has(m.file) && m.to === DSL && m.subject.startsWith('A new concern'), { what: 'email to the DSL' });
  const id = worryLink(mail, MOVED_TEXT);

  const mover = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, mover, DSL);
  const dp = await mover.newPage();
  let res = await dp.goto(`/worries/${id}`);
  assert.equal(res.status(), 200);
  assert.equal((await dp.locator('[data-testid=case-queue]').innerText()).trim(), 'Safeguarding team');
  const moveForm = dp.locator('details', { has: dp.locator('summary', { hasText: 'Move this concern' }) });
  await moveForm.locator('summary').click();
  const options = await moveForm.locator('select[name=to] option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  assert.deepEqual(options, ['staff', 'dsl', 'head'], 'only stricter queues for the DSL');
  await checkA11yNoJs(env.browser, dp, '/worries/{id} with the move form open');
  await moveForm.locator('select[name=to]').selectOption('dsl');
  await moveForm.locator('textarea[name=text]').fill(REASON);
  res = await submit(dp, moveForm.getByRole('button', { name: 'Move it' }));
  assert.equal(res.status(), 200);
  assert.equal(new URL(dp.url()).pathname, '/worries', 'back to the inbox');
  assert.match(await dp.locator('[data-testid=notice]').innerText(), /Moved to "About the DSL"\. You can no longer read it/);
  assert.equal(await dp.locator(`a[href="/worries/${id}"]`).count(), 0, 'it left the DSL\'s inbox');
  res = await dp.goto(`/worries/${id}`);
  assert.equal(res.status(), 404, 'and the DSL cannot open it');

  // The allegations lead is emailed that it was moved to them, and finds it.
  const movedMail = await waitForMail(env.server, (m) => m.to === PRINCIPAL && m.subject.includes('was moved to you') && m.text.includes(id), { what: 'moved email to the allegations lead' });
  worryLink(movedMail, MOVED_TEXT, REASON);
  const lead = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, lead, PRINCIPAL);
  const pp = await lead.newPage();
  await pp.goto('/worries');
  assert.equal(await pp.locator(`a[href="/worries/${id}"]`).count(), 1, 'in the allegations lead\'s inbox');
  await pp.locator(`a[href="/worries/${id}"]`).click();
  await pp.waitForURL(`**/worries/${id}`);
  assert.equal((await pp.locator('[data-testid=worry-text]').innerText()).trim(), MOVED_TEXT);
  assert.equal((await pp.locator('[data-testid=case-queue]').innerText()).trim(), 'About the DSL');
  const chronology = await pp.locator('[data-testid=chronology]').innerText();
  assert.ok(chronology.includes('Moved it from "Safeguarding team" to "About the DSL"') && chronology.includes(REASON) && chronology.includes(DSL_NAME), chronology);
  const refused = pp.locator('[data-testid=audit] tr.row-error', { hasText: DSL_NAME });
  assert.ok((await refused.count()) >= 1, 'the DSL\'s refused look is listed');
  assert.match(await refused.first().innerText(), /Tried to open it: refused/);
  // The allegations lead may move it back (to a less restricted queue).
  const leadOptions = await pp.locator('#move-to option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  assert.deepEqual(leadOptions, ['team', 'staff', 'head']);
  await lead.close();
  await mover.close();
  await ap.close();
});
