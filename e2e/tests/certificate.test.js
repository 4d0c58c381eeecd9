// The printed certificate: the organisation, the person, the module and its version, the date,
// the validity, the signatory (the DSL), the code on one line, the full verification address and
// a QR code of it. Printed to PDF it is one A4 page; screenshots of the print view and at 320px.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, signIn, answerShown, submit, resultsPath, ORG_NAME, DSL_NAME } from './harness.js';

const STAFF = 'staff@wexmoorvale.example.org';
const STAFF_NAME = 'Sam Carter';
const MODULE = 'staff-roles-and-responsibilities';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

/** Number of pages in a PDF made by Chromium: its `/Type /Page` objects (not `/Pages`). */
function pdfPages(pdf) {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}

e2e('the certificate names who, what, when, until when and who signs it, with the full check address and a QR code, on one A4 page', async () => {
  const context = await env.newContext();
  try {
    await signIn(env.server, context, STAFF);
    const page = await context.newPage();
    await page.goto(`/learn/${MODULE}/quiz`);
    await answerShown(page, MODULE, (q) => q.correct);
    await submit(page, page.getByRole('button', { name: 'Send my answers' }));
    await submit(page, page.locator('[data-testid=certificate-link]'));
    const path = new URL(page.url()).pathname;
    assert.match(path, /^\/certificates\/[0-9A-Z]{16}$/);

    const cert = page.locator('[data-testid=certificate]');
    const text = await cert.innerText();
    const code = (await page.locator('[data-testid=certificate-code]').innerText()).trim();
    const address = `${env.server.baseURL}/verify?code=${code}`;
    assert.equal((await page.locator('[data-testid=certificate-org]').innerText()).trim(), ORG_NAME);
    assert.equal((await page.locator('[data-testid=certificate-name]').innerText()).trim(), STAFF_NAME);
    assert.match(text, /\(version [^)]+\)/, 'the module version');
    assert.match(text, /Completed on\s+\d{1,2} \w+ \d{4}/, 'the date');
    assert.match(await page.locator('[data-testid=certificate-validity]').innerText(), /^Valid until \d{1,2} \w+ \d{4}\. Renewed every 12 months\.$/);
    assert.equal((await page.locator('[data-testid=certificate-signatory]').innerText()).trim(), DSL_NAME);
    assert.match(text, /Designated Safeguarding Lead/);
    assert.equal((await page.locator('[data-testid=certificate-url]').innerText()).trim(), address, 'the full address');
    assert.equal(await page.locator('[data-testid=certificate-url]').getAttribute('href'), address);
    // The QR code: an SVG drawn on the server, square, of a real size.
    const qr = page.locator('.certificate-qr svg');
    assert.equal(await qr.count(), 1);
    const qrBox = await qr.boundingBox();
    assert.ok(qrBox.width >= 100 && Math.abs(qrBox.width - qrBox.height) < 1, `QR code box ${JSON.stringify(qrBox)}`);
    await checkA11y(page, 'the certificate');

    /** The code is on one line (one box) at the current size and media. */
    const codeOnOneLine = () =>
      page.locator('[data-testid=certificate-code]').evaluate((el) => el.getClientRects().length === 1);
    assert.ok(await codeOnOneLine(), 'the code on one line on screen');

    // Print view: organisation and address shown, header and buttons hidden.
    await page.emulateMedia({ media: 'print' });
    assert.ok(await codeOnOneLine(), 'the code on one line in print');
    assert.ok(await page.locator('[data-testid=certificate-url]').isVisible(), 'the address is printed');
    assert.ok((await page.locator('main').innerText()).includes(address), 'the print view has the full address');
    assert.equal(await page.locator('.no-print').first().isVisible(), false);
    await page.setViewportSize({ width: 794, height: 1123 }); // A4 at 96 dpi
    await page.screenshot({ path: resultsPath('certificate-print.png'), fullPage: true });

    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    assert.equal(pdfPages(pdf), 1, 'the certificate prints on one A4 page');
    await page.emulateMedia({ media: 'screen' });

    // On a phone: nothing wider than the screen, the code still on one line.
    await page.setViewportSize({ width: 320, height: 640 });
    await page.reload();
    assert.ok(await codeOnOneLine(), 'the code on one line at 320px');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
        .slice(0, 8),
    );
    assert.ok(overflow <= 0, `no sideways scroll at 320px (${overflow}px too wide: ${wide.join(', ')})`);
    await page.screenshot({ path: resultsPath('certificate-320.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: resultsPath('certificate-1280.png'), fullPage: true });

    // The address (what the QR code opens) checks the certificate, signed out.
    const anon = await env.newContext({ javaScriptEnabled: false });
    const check = await anon.newPage();
    const res = await check.goto(address);
    assert.equal(res.status(), 200);
    assert.equal((await check.locator('[data-testid=verify-name]').innerText()).trim(), STAFF_NAME);
    await anon.close();
  } finally {
    await context.close();
  }
});
