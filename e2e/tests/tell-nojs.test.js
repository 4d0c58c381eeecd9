// The worry form with JavaScript off: a real form post to /tell, errors that keep the text,
// double submission, cross-site posts refused, and the form on a phone's first screen.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup,
  e2e,
  checkA11yNoJs,
  todayForPeople,
  decodeEntities,
  textareaContent,
  formToken,
  followUpCode,
  CODE_PATTERN,
  DSL_NAME,
  WORRY_CHOICES,
  chooseWorryDetails,
  resultsPath,
} from './harness.js';

const TRICKY_TEXT = "Ceci n'est pas 🙂 <b>ok</b> & \"quoted\" </textarea><script>alert(1)</script>";

let env;
let context; // JavaScript off

before(async () => {
  env = await setup();
  context = await env.newContext({ javaScriptEnabled: false });
});

after(async () => {
  await context?.close();
  await env?.teardown();
});

/** A fresh form token, as a page load would give. */
async function freshToken() {
  const res = await context.request.get('/tell');
  assert.equal(res.status(), 200);
  const token = formToken(await res.text());
  assert.ok(token, 'the /tell page carries a token');
  return token;
}

/** Looks a code up with a real form post (JavaScript off). */
async function lookUp(page, typed) {
  await page.goto('/follow-up');
  await page.locator('#code').fill(typed);
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name: 'Look it up' }).click(),
  ]);
  return response;
}

e2e('5. with JavaScript off, a worry is sent by a plain form post and can be followed up', async () => {
  const page = await context.newPage();
  await page.goto('/tell');
  assert.equal(await page.locator('html').getAttribute('data-hydrated'), null, 'no hydration without JavaScript');
  await page.locator('#worry-text').fill('A stranger asked me for photos in a game chat.');
  await page.getByLabel('It feels urgent', { exact: true }).check();
  await chooseWorryDetails(page);
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name: 'Send' }).click(),
  ]);
  assert.equal(response.request().method(), 'POST');
  assert.equal(new URL(response.url()).pathname, '/tell');
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['cache-control'], 'no-store');

  const code = (await page.locator('[data-testid=follow-up-code]').innerText()).trim();
  assert.match(code, CODE_PATTERN, `follow-up code format: ${code}`);
  const confirmation = await page.locator('section.confirmation').innerText();
  assert.match(confirmation, /Your message has been sent/);
  assert.ok(confirmation.includes(todayForPeople()), confirmation);
  assert.doesNotMatch(confirmation, /already been sent/);
  assert.equal(await page.locator('#worry-text').count(), 0, 'the form is replaced by the confirmation');
  await checkA11yNoJs(env.browser, page, '/tell confirmation');

  let lookup = await lookUp(page, code);
  assert.equal(lookup.status(), 200);
  assert.equal(
    (await page.locator('[data-testid=status]').innerText()).trim(),
    'Received. It is waiting for the safeguarding team to read it.',
  );
  assert.equal((await page.locator('[data-testid=sent-on]').innerText()).trim(), todayForPeople());
  assert.match(await page.locator('main').innerText(), /It feels urgent/);

  // The sender reads their own words again; the code is not left in the look-up box (a shared
  // computer), only in the hidden field the "add something" form needs.
  assert.match(await page.locator('main').innerText(), /A stranger asked me for photos in a game chat\./);
  assert.equal(await page.locator('#code').inputValue(), '', 'the look-up box is empty after a look-up');
  assert.equal(await page.locator('form.add-form input[name=code]').getAttribute('type'), 'hidden');
  assert.equal(await page.locator('form.add-form input[name=code]').inputValue(), code);

  lookup = await lookUp(page, ` ${code.toLowerCase().replace(/-/g, ' ')} `);
  assert.equal(lookup.status(), 200);
  assert.equal((await page.locator('[data-testid=sent-on]').innerText()).trim(), todayForPeople());
  assert.equal(await page.locator('#code').inputValue(), '');
  await checkA11yNoJs(env.browser, page, '/follow-up result');
  await page.close();
});

e2e('6c. with JavaScript off, a form without an urgency comes back with the text kept (browser)', async () => {
  const page = await context.newPage();
  await page.goto('/tell');
  await page.locator('#worry-text').fill(TRICKY_TEXT);
  // Playwright's evaluate still runs with page scripts disabled: drop `required` so the browser
  // sends the form as an old browser would.
  await page.evaluate(() => document.querySelectorAll('[required]').forEach((el) => el.removeAttribute('required')));
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name: 'Send' }).click(),
  ]);
  assert.equal(response.status(), 422);
  const summary = page.locator('.error-summary');
  assert.ok(await summary.isVisible());
  assert.equal(await summary.getAttribute('role'), 'alert');
  assert.match(await summary.innerText(), /Please choose how urgent it feels/);
  assert.equal(await page.locator('#worry-text').inputValue(), TRICKY_TEXT, 'the text is kept exactly');
  assert.equal(await page.locator('main b').count(), 0, 'the text is not rendered as HTML');
  assert.equal(await page.locator('main script').count(), 0, 'no script smuggled in');
  await checkA11yNoJs(env.browser, page, '/tell error');

  // Choose an urgency and the rest, and send again: accepted.
  await page.getByLabel('It can wait a few days', { exact: true }).check();
  await chooseWorryDetails(page);
  const [again] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send' }).click()]);
  assert.equal(again.status(), 200);
  assert.match((await page.locator('[data-testid=follow-up-code]').innerText()).trim(), CODE_PATTERN);
  await page.close();
});

e2e('6d. with JavaScript off, refused posts keep the text, escaped (raw HTML)', async () => {
  // No urgency.
  let res = await context.request.post('/tell', { form: { token: await freshToken(), text: TRICKY_TEXT } });
  assert.equal(res.status(), 422);
  let html = await res.text();
  assert.match(html, /class="error-summary"[^>]*role="alert"|role="alert"[^>]*class="error-summary"/);
  assert.match(html, /Please choose how urgent it feels/);
  let raw = textareaContent(html);
  assert.notEqual(raw, null, 'the form is shown again');
  assert.ok(!raw.includes('<b>') && !raw.includes('<script') && !raw.includes('</textarea'), `escaped: ${raw}`);
  assert.equal(decodeEntities(raw), TRICKY_TEXT, 'the text is kept exactly');

  // An unknown urgency is refused the same way.
  res = await context.request.post('/tell', { form: { token: await freshToken(), text: TRICKY_TEXT, urgency: 'whenever' } });
  assert.equal(res.status(), 422);
  html = await res.text();
  assert.equal(decodeEntities(textareaContent(html)), TRICKY_TEXT);
  assert.doesNotMatch(html, /value="whenever"/);

  // Empty text.
  res = await context.request.post('/tell', { form: { token: await freshToken(), text: '   ', urgency: 'soon' } });
  assert.equal(res.status(), 422);
  html = await res.text();
  assert.match(html, /Please write something in the box/);
  assert.match(html, /id="urgency-soon"[^>]*checked|checked[^>]*id="urgency-soon"/, 'the urgency chosen is kept');

  // 10,001 characters (four-byte characters, so the body is large too).
  const long = '🙂'.repeat(10_000) + 'x';
  res = await context.request.post('/tell', { form: { token: await freshToken(), text: long, urgency: 'urgent' } });
  assert.equal(res.status(), 422);
  html = await res.text();
  const message = html.match(/class="error-summary"[\s\S]*?<\/div>/)?.[0] ?? '';
  assert.match(message, /10,?001 characters/, message);
  assert.match(message, /10,?000 characters or fewer/, message);
  assert.equal(decodeEntities(textareaContent(html)), long, 'the long text is kept');
  assert.match(html, /id="urgency-urgent"[^>]*checked|checked[^>]*id="urgency-urgent"/, 'the urgency chosen is kept');

  // A form that is not a form.
  res = await context.request.post('/tell', { data: '{"text":"hello"}', headers: { 'content-type': 'application/json' } });
  assert.equal(res.status(), 400);
  assert.match(await res.text(), /We could not read what was sent/);
});

e2e('7. the same form sent twice stores one worry and gives the same code', async () => {
  const token = await freshToken();
  const form = { token, text: 'Sent twice because the connection dropped.', urgency: 'soon', ...WORRY_CHOICES };
  const first = await context.request.post('/tell', { form });
  const second = await context.request.post('/tell', { form });
  assert.equal(first.status(), 200);
  assert.equal(second.status(), 200);
  const firstHtml = await first.text();
  const secondHtml = await second.text();
  const code1 = followUpCode(firstHtml);
  const code2 = followUpCode(secondHtml);
  assert.match(code1 ?? '', CODE_PATTERN);
  assert.equal(code2, code1, 'both answers show the same follow-up code');
  assert.doesNotMatch(firstHtml, /already been sent/);
  assert.match(secondHtml, /This form had already been sent, so we have not sent it twice/);

  // The same thing in the browser: press Back and send the (cached) form again.
  const page = await context.newPage();
  await page.goto('/tell');
  await page.locator('#worry-text').fill('Double click test.');
  await page.getByLabel('It can wait a few days', { exact: true }).check();
  await chooseWorryDetails(page);
  const pageToken = await page.locator('input[name=token]').inputValue();
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send' }).click()]);
  const browserCode = (await page.locator('[data-testid=follow-up-code]').innerText()).trim();
  const replay = await context.request.post('/tell', {
    form: { token: pageToken, text: 'Double click test.', urgency: 'can_wait', ...WORRY_CHOICES },
  });
  assert.equal(replay.status(), 200);
  const replayHtml = await replay.text();
  assert.equal(followUpCode(replayHtml), browserCode);
  assert.match(replayHtml, /already been sent/);
  await page.close();
});

e2e('9. cross-site form posts are refused with 403', async () => {
  const token = await freshToken();
  const form = { token, text: 'Posted from another website.', urgency: 'soon', ...WORRY_CHOICES };
  for (const [path, body] of [
    ['/tell', form],
    ['/follow-up', { code: 'ABCDE-12345-FGHJK-67890-MNPQR' }],
    ['/api/tell', form],
  ]) {
    const res = await context.request.post(path, { form: body, headers: { Origin: 'https://evil.example' } });
    assert.equal(res.status(), 403, `${path} with a foreign Origin`);
    assert.match(await res.text(), /sent from another website/);
    const fetchSite = await context.request.post(path, { form: body, headers: { 'Sec-Fetch-Site': 'cross-site' } });
    assert.equal(fetchSite.status(), 403, `${path} with Sec-Fetch-Site: cross-site`);
  }
  const nullOrigin = await context.request.post('/tell', { form, headers: { Origin: 'null' } });
  assert.equal(nullOrigin.status(), 403, 'Origin: null (sandboxed frame) is refused');

  // The refused posts stored nothing: the token is still unused.
  const ok = await context.request.post('/tell', { form, headers: { Origin: env.server.baseURL } });
  assert.equal(ok.status(), 200, 'a same-origin post is accepted');
  assert.doesNotMatch(await ok.text(), /already been sent/, 'the refused posts did not store the worry');

  // A real browser on another site submitting a form to us.
  const jsContext = await env.newContext();
  const page = await jsContext.newPage();
  await page.route('http://evil.example/**', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><title>evil</title>
        <form method="post" action="${env.server.baseURL}/tell">
          <input type="hidden" name="token" value="${token}">
          <input type="hidden" name="text" value="csrf">
          <input type="hidden" name="urgency" value="urgent">
          <button>Go</button>
        </form>`,
    }),
  );
  await page.goto('http://evil.example/');
  const [response] = await Promise.all([page.waitForNavigation(), page.locator('button').click()]);
  assert.equal(response.status(), 403, 'the browser post from another site is refused');
  const headers = response.request().headers();
  assert.equal(headers.origin, 'http://evil.example', 'the browser said where the post came from');
  await jsContext.close();
});

e2e('12. on a phone (320x640, JavaScript off) the first question is on the first screen, and after Send the confirmation is', async () => {
  const phone = await env.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
  const page = await phone.newPage();
  await page.goto('/tell');
  const legend = page.locator('form.worry-form fieldset legend').first();
  assert.equal((await legend.innerText()).trim(), 'Who is affected?');
  const box = await legend.boundingBox();
  console.log(`320px: the first question's top is at y=${Math.round(box.y)}`);
  assert.ok(box.y + box.height < 640, `the first question is on the first screen: ${JSON.stringify(box)}`);
  await page.screenshot({ path: resultsPath('tell-first-screen-320-nojs.png') });

  // Who is affected, apart from whether an adult here is involved: the DSL and the head by name.
  assert.deepEqual(
    await page.locator('input[name=about]').evaluateAll((els) => els.map((e) => e.id)),
    ['about-me', 'about-a_friend', 'about-someone_else'],
  );
  assert.deepEqual(
    await page.locator('input[name=involves]').evaluateAll((els) => els.map((e) => e.id)),
    ['involves-nobody', 'involves-staff', 'involves-dsl', 'involves-head', 'involves-unsure'],
  );
  assert.match(await page.locator('label[for=involves-dsl]').innerText(), new RegExp(`Yes, ${DSL_NAME}, the Designated Safeguarding Lead`));
  assert.match(await page.locator('#involves-dsl-hint').innerText(), new RegExp(`${DSL_NAME} cannot see it`));
  assert.match(await page.locator('#involves-unsure-hint').innerText(), /never to the safeguarding team alone/);
  assert.equal(await page.locator('#email_replies').count(), 0, 'signed out: no reply email to offer');

  // The long "who reads it" comes after the form, folded; who is on duty stays in view.
  const whoReads = page.locator('details', { has: page.locator('summary', { hasText: 'Who reads it?' }) });
  assert.equal(await whoReads.getAttribute('open'), null, '"Who reads it?" is folded');
  const after = await page.evaluate(() => {
    const form = document.querySelector('form.worry-form');
    const details = [...document.querySelectorAll('details')].find((d) => d.textContent.includes('Who reads it?'));
    return !!(form.compareDocumentPosition(details) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  assert.ok(after, '"Who reads it?" comes after the form');
  assert.match(await whoReads.textContent(), new RegExp(`${DSL_NAME} cannot see it`));
  assert.ok(await page.locator('[data-testid=on-duty]').isVisible(), 'who is on duty is shown');

  // The browser never cuts a long text: no maxlength, the limit is in the hint.
  assert.equal(await page.locator('#worry-text').getAttribute('maxlength'), null);
  assert.match(await page.locator('#worry-hint').innerText(), /10,000 characters/);

  await page.locator('#worry-text').fill('Someone keeps adding me to a group chat that is horrible.');
  await page.locator('#urgency-soon').check();
  await chooseWorryDetails(page, { about: 'a_friend' });
  const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send' }).click()]);
  assert.equal(response.status(), 200);
  const heading = await page.locator('#sent-heading').boundingBox();
  assert.ok(heading.y + heading.height < 640, `the confirmation is on the first screen: ${JSON.stringify(heading)}`);
  assert.match((await page.locator('[data-testid=follow-up-code]').innerText()).trim(), CODE_PATTERN);
  await page.screenshot({ path: resultsPath('tell-sent-first-screen-320-nojs.png') });
  await checkA11yNoJs(env.browser, page, '/tell confirmation at 320px');
  await phone.close();
});

e2e('12b. an urgent worry shows the out-of-hours help at once (JavaScript off)', async () => {
  const form = { token: await freshToken(), text: 'It is happening tonight.', urgency: 'urgent', ...WORRY_CHOICES };
  const res = await context.request.post('/tell', { form });
  assert.equal(res.status(), 200);
  const html = await res.text();
  const help = html.match(/data-testid="urgent-help"[\s\S]*?<\/div>/)?.[0] ?? '';
  assert.match(help, /Outside college opening hours/);
  assert.match(help, /Emergency duty team/);
  assert.match(help, /href="tel:01632960999"/);

  const calm = await context.request.post('/tell', { form: { ...form, token: await freshToken(), urgency: 'can_wait' } });
  assert.doesNotMatch(await calm.text(), /data-testid="urgent-help"/, 'only for an urgent worry');
});
