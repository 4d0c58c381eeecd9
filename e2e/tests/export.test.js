// The exports in real Chromium: the demo learner passes a module; the DSL opens the export page
// (axe), downloads the completion CSV (the link is a download; the file is fetched with the
// page's own session) and finds the learner's row with the module done; the evidence summary
// names the DSL as its author (axe). A learner opening the export is refused.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setup, e2e, checkA11y, signIn, DSL_NAME, answerShown, submit } from './harness.js';

const LEARNER = 'learner@wexmoorvale.example.org';
const LEARNER_NAME = 'Alex Rivers';
const DSL = 'safeguarding@wexmoorvale.example.org';
const MODULE = 'four-cs-of-online-risk';

let env;

before(async () => {
  env = await setup();
});

after(async () => {
  await env?.teardown();
});

/** RFC 4180 CSV (a leading BOM skipped) into records. */
function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field || record.length) {
    record.push(field);
    records.push(record);
  }
  return records;
}

e2e('a DSL downloads the completion CSV and finds the learner who passed a module', async () => {
  // The learner passes the module's quiz (JavaScript off: plain forms).
  const learner = await env.newContext({ javaScriptEnabled: false });
  await signIn(env.server, learner, LEARNER);
  const page = await learner.newPage();
  let res = await page.goto(`/learn/${MODULE}/quiz`);
  assert.equal(res.status(), 200);
  await answerShown(page, MODULE, (q) => q.correct);
  res = await submit(page, page.getByRole('button', { name: 'Send my answers' }));
  assert.equal(res.status(), 200);
  assert.match(await page.locator('[data-testid=quiz-verdict]').innerText(), /You passed/);
  // and is refused the export
  res = await page.goto('/compliance/export');
  assert.equal(res.status(), 403);
  const refused = await learner.request.get('/compliance/export/completion.csv');
  assert.equal(refused.status(), 403);
  assert.ok(!(await refused.text()).includes(LEARNER_NAME));
  await learner.close();

  // The DSL: the export page, then the download.
  const dsl = await env.newContext();
  await signIn(env.server, dsl, DSL);
  const p = await dsl.newPage();
  res = await p.goto('/compliance/export');
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['cache-control'], 'no-store');
  await checkA11y(p, '/compliance/export');
  const [download] = await Promise.all([p.waitForEvent('download'), p.locator('[data-testid=export-completion]').click()]);
  assert.match(download.suggestedFilename(), /^completion-demo-\d{4}-\d{2}-\d{2}\.csv$/);

  const csv = await dsl.request.get('/compliance/export/completion.csv');
  assert.equal(csv.status(), 200);
  assert.equal(csv.headers()['content-type'], 'text/csv; charset=utf-8');
  assert.match(csv.headers()['content-disposition'], /^attachment; filename="completion-demo-\d{4}-\d{2}-\d{2}\.csv"$/);
  assert.equal(csv.headers()['cache-control'], 'no-store');
  const body = await csv.body();
  assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM, for Excel');
  const records = parseCsv(body.toString('utf8'));
  const header = records[0];
  assert.deepEqual(header.slice(0, 4), ['name', 'email', 'roles', 'groups']);
  const col = (name) => {
    const i = header.indexOf(name);
    assert.ok(i >= 0, `column "${name}" in ${header.join(', ')}`);
    return i;
  };
  const row = records.find((r) => r[0] === LEARNER_NAME);
  assert.ok(row, `a row for ${LEARNER_NAME}`);
  assert.equal(row[col('email')], LEARNER);
  assert.equal(row[col(`${MODULE} status`)], 'done');
  assert.match(row[col(`${MODULE} version`)], /^\d+\.\d+\.\d+$/);
  assert.match(row[col(`${MODULE} completed`)], /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(row[col(`${MODULE} score`)], '100%');
  assert.equal(row[col('staff-roles-and-responsibilities status')], 'not required');

  // The evidence summary, printable, says who made it and when.
  res = await p.goto('/compliance/evidence');
  assert.equal(res.status(), 200);
  assert.equal((await p.locator('[data-testid=evidence-generated-by]').innerText()).trim(), DSL_NAME);
  assert.match(await p.locator('[data-testid=evidence-generated-at]').innerText(), /\d{4}, \d{2}:\d{2} (GMT|BST)$/);
  assert.ok((await p.locator('[data-testid=evidence-totals] tbody tr').count()) > 0);
  await checkA11y(p, '/compliance/evidence');
  await dsl.close();
});
