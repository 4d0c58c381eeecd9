// Shared machinery for the browser tests: starts the `web` binary on a free port with a fresh
// data folder, launches Debian's Chromium through playwright-core, runs axe-core on a page, and
// prints the server's log (and the browser's console) when a test fails.
//
// Environment: WEB_BIN (the server binary; default $CARGO_TARGET_DIR/debug/web, else
// ../target/debug/web), APP_SITE_DIR (the
// browser bundle; default ../target/site), CHROMIUM_PATH (default /usr/bin/chromium).
// Failure screenshots go to e2e/test-results/ (gitignored); the pages' screenshots to look at go to
// target/screenshots/ (kept by the test command).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = resolve(here, '..');
export const REPO_DIR = resolve(E2E_DIR, '..');
export const RESULTS_DIR = join(E2E_DIR, 'test-results');
export const SCREENSHOTS_DIR = join(REPO_DIR, 'target/screenshots');

export const ORG_NAME = 'Wexmoor Vale College (demo)';
export const DSL_NAME = 'Priya Marsh';
export const CODE_PATTERN = /^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/;

/** The worry form's required choices besides the text and urgency, as posted. */
export const WORRY_CHOICES = { about: 'me', involves: 'nobody', kind: 'bullying', wants_contact: 'no' };

/**
 * Ticks the worry form's required choices besides the urgency (about me, no adult here involved,
 * bullying, no contact).
 */
export async function chooseWorryDetails(page, { about = 'me', involves = 'nobody', kind = 'bullying', contact = 'no' } = {}) {
  await page.locator(`#about-${about}`).check();
  await page.locator(`#involves-${involves}`).check();
  await page.locator(`#kind-${kind}`).check();
  await page.locator(`#wants_contact-${contact}`).check();
}

const WEB_BIN = process.env.WEB_BIN
  ? resolve(process.env.WEB_BIN)
  : process.env.CARGO_TARGET_DIR
    ? resolve(REPO_DIR, process.env.CARGO_TARGET_DIR, 'debug/web')
    : resolve(E2E_DIR, '../target/debug/web');
const SITE_DIR = process.env.APP_SITE_DIR
  ? resolve(process.env.APP_SITE_DIR)
  : join(REPO_DIR, 'target/site');

/**
 * Runs one of the web binary's commands (e.g. `create-org`) on the data folder `dataDir`, as an
 * operator would on a local run; returns its output, or fails with it.
 */
export function runWebCommand(dataDir, args) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('APP_') && k !== 'AWS_LAMBDA_RUNTIME_API'));
  const run = spawnSync(WEB_BIN, args, {
    cwd: dataDir,
    env: { ...inherited, APP_DATA_DIR: dataDir, APP_SITE_DIR: SITE_DIR, NO_COLOR: '1', RUST_LOG: 'warn' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.status !== 0) throw new Error(`web ${args.join(' ')} failed (${run.status ?? run.signal}):\n${output}`);
  return output;
}

/** Asks the OS for a free TCP port (listen on 0, read it, close). */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the server. Returns { baseURL, logs, logText(from), stop() }.
 * Fails (with the server's output) if it exits or /healthz is not "ok" within 30 s.
 */
export async function startServer({ timeoutMs = 30_000, env = () => ({}), dataDir = null } = {}) {
  if (!existsSync(WEB_BIN)) {
    throw new Error(`The web binary is missing: ${WEB_BIN}. Build it with \`cargo build -p web\` or set WEB_BIN.`);
  }
  if (!existsSync(join(SITE_DIR, 'manifest.json'))) {
    throw new Error(`The browser bundle is missing: ${SITE_DIR}/manifest.json. Build it with ./scripts/build-assets.sh.`);
  }
  // The port is free when we ask, but another process could take it before the server binds:
  // then try again with another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOnce(timeoutMs, env, dataDir);
    } catch (err) {
      if (attempt >= 3 || !/cannot listen on/.test(err.message)) throw err;
    }
  }
}

/** `keptDataDir`: a data folder of the caller's (e.g. to restart on the same store), kept on stop. */
async function startServerOnce(timeoutMs, extraEnv, keptDataDir) {
  const port = await freePort();
  const dataDir = keptDataDir ?? mkdtempSync(join(tmpdir(), 'online-safety-e2e-'));
  const removeData = () => {
    if (!keptDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const logs = [];
  // The tests expect a local run (embedded store, demo organisation, plain HTTP): settings of
  // the person running them (APP_STORE, APP_BASE_URL, ...) are not passed on.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('APP_') && k !== 'AWS_LAMBDA_RUNTIME_API'));
  const child = spawn(WEB_BIN, ['serve'], {
    cwd: dataDir,
    env: {
      ...inherited,
      APP_BIND: `127.0.0.1:${port}`,
      APP_DATA_DIR: dataDir,
      APP_SITE_DIR: SITE_DIR,
      APP_LOG: 'pretty',
      NO_COLOR: '1',
      RUST_LOG: process.env.RUST_LOG || 'info',
      ...extraEnv(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = null;
  const exitPromise = new Promise((r) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      r(exited);
    });
  });
  const collect = (stream, name) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) logs.push(`[web ${name}] ${line}`);
    });
    stream.on('end', () => {
      if (partial) logs.push(`[web ${name}] ${partial}`);
    });
  };
  // Never leave a server behind, even if the test process dies without running `after`.
  const onExit = () => {
    if (!exited) child.kill('SIGKILL');
    removeData();
  };
  process.on('exit', onExit);
  collect(child.stdout, 'out');
  collect(child.stderr, 'err');

  const baseURL = `http://127.0.0.1:${port}`;
  const server = {
    baseURL,
    port,
    dataDir,
    logs,
    logText: (from = 0) => logs.slice(from).join('\n'),
    async stop() {
      if (!exited) {
        child.kill('SIGINT'); // graceful shutdown (the binary waits for ctrl-c)
        const done = await Promise.race([exitPromise, sleep(5000).then(() => null)]);
        if (!done) {
          child.kill('SIGKILL');
          await exitPromise;
        }
      }
      removeData();
    },
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      removeData();
      throw new Error(`The web server exited (${JSON.stringify(exited)}) before it was ready:\n${server.logText()}`);
    }
    try {
      const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok && (await res.text()).trim() === 'ok') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`The web server did not answer /healthz within ${timeoutMs} ms:\n${server.logText()}`);
    }
    await sleep(100);
  }
  return server;
}

const OIDC_PROVIDER = join(E2E_DIR, 'oidc/provider.mjs');

/**
 * Starts the local OpenID provider (panva's oidc-provider, configured by e2e/oidc/provider.mjs)
 * with node on `port`, for a client with this secret and callback; `claims` is `userinfo` (the
 * provider's default: email and name only from the UserInfo endpoint) or `id_token`;
 * `unverified` lists addresses it says are not verified (email_verified false).
 * Returns { issuer, output(), stop() }.
 */
export async function startOidcProvider({ port, clientId, clientSecret, redirectUri, claims = 'userinfo', unverified = [] }) {
  if (!existsSync(join(E2E_DIR, 'node_modules/oidc-provider'))) {
    throw new Error('oidc-provider is missing: run `npm ci --prefix e2e` (scripts/prerequisites.sh does).');
  }
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OIDC_')));
  const child = spawn(process.execPath, [OIDC_PROVIDER], {
    env: {
      ...inherited,
      OIDC_BIND: `127.0.0.1:${port}`,
      OIDC_CLIENT_ID: clientId,
      OIDC_CLIENT_SECRET: clientSecret,
      OIDC_REDIRECT_URIS: redirectUri,
      OIDC_CLAIMS: claims,
      OIDC_UNVERIFIED_EMAILS: unverified.join(','),
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  child.stdout.on('data', (c) => output.push(String(c)));
  child.stderr.on('data', (c) => output.push(String(c)));
  const onExit = () => child.kill('SIGKILL');
  process.on('exit', onExit);
  const issuer = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The OIDC provider exited:\n${output.join('')}`);
    try {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The OIDC provider did not answer within 30 s:\n${output.join('')}`);
    }
    await sleep(100);
  }
  return {
    issuer,
    output: () => output.join(''),
    async stop() {
      child.kill('SIGKILL');
      process.off('exit', onExit);
    },
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Starts a server and a browser for one test file: call in `before`, stop in `after`.
 * `env(port)` adds settings for the server, given the port it will listen on.
 */
export async function setup({ env, dataDir = null } = {}) {
  const server = await startServer({ env, dataDir });
  let browser;
  try {
    browser = await launchBrowser();
  } catch (e) {
    await server.stop();
    throw e;
  }
  current = { server, browser, consoleLines: [] };
  return {
    server,
    browser,
    /** A new context with the server as base URL; its pages' console errors are recorded. */
    async newContext(options = {}) {
      const context = await browser.newContext({ baseURL: server.baseURL, ...options });
      context.on('page', (page) => watchPage(page));
      return context;
    },
    async teardown() {
      current = null;
      await browser.close().catch(() => {});
      await server.stop();
    },
  };
}

let current = null;

/** Per page: the boot script's complaints about islands it could not find in the bundle. */
const islandProblems = new WeakMap();

function watchPage(page) {
  islandProblems.set(page, []);
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) islandProblems.set(page, []);
  });
  page.on('console', (msg) => {
    if (/No island called/.test(msg.text())) islandProblems.get(page)?.push(msg.text());
    if (msg.type() === 'error' || msg.type() === 'warning') {
      const source = msg.location()?.url || '';
      // The site has no favicon; the browser's automatic request for one is not the page's doing.
      if (source.endsWith('/favicon.ico')) return;
      current?.consoleLines.push(`[browser ${msg.type()}] ${page.url()}${source && source !== page.url() ? ` (${source})` : ''}: ${msg.text()}`);
    }
  });
  page.on('requestfailed', (req) => {
    current?.consoleLines.push(`[browser requestfailed] ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  page.on('pageerror', (err) => {
    current?.consoleLines.push(`[browser pageerror] ${page.url()}: ${err.message}`);
  });
}

/** Uncaught errors and console errors seen in the browser since `from`. */
export function browserErrors(from = 0) {
  return (current?.consoleLines ?? []).slice(from).filter((l) => !l.startsWith('[browser warning]'));
}

/**
 * `node:test`'s `test`, which on failure prints what the server and the browser logged while the
 * test ran (the full server log is easy to lose otherwise).
 */
export function e2e(name, fn, { timeout = 120_000 } = {}) {
  return test(name, { timeout }, async (t) => {
    const fromLog = current?.server.logs.length ?? 0;
    const fromConsole = current?.consoleLines.length ?? 0;
    try {
      await fn(t);
    } catch (err) {
      const serverLog = current?.server.logText(fromLog) ?? '(no server)';
      const consoleLog = (current?.consoleLines ?? []).slice(fromConsole).join('\n');
      process.stderr.write(
        `\n----- "${name}" failed; server output during the test -----\n${serverLog || '(nothing)'}\n` +
          `----- browser console -----\n${consoleLog || '(nothing)'}\n-----\n`,
      );
      throw err;
    }
  });
}

/**
 * Waits until the boot script has hydrated the page's islands (`<html data-hydrated="true">`).
 * Fails at once, with the error, if the page throws while loading its islands.
 */
export async function waitForHydration(page, timeout = 20_000) {
  // A page without islands loads no boot script (see ISLAND_PAGES in app/src/shell.rs): nothing
  // to wait for.
  if ((await page.locator('script[type=module][src^="/pkg/"]').count()) === 0) return;
  let onError;
  const failed = new Promise((_, reject) => {
    onError = (err) => reject(new Error(`The islands did not hydrate: the page threw "${err.message}"`));
    page.on('pageerror', onError);
  });
  try {
    await Promise.race([
      page.waitForSelector('html[data-hydrated="true"]', { state: 'attached', timeout }),
      failed,
    ]);
  } finally {
    page.off('pageerror', onError);
  }
  // boot.js marks the page hydrated even when an island is missing from the bundle (for
  // example a bundle built from other sources than the server): that island is then inert.
  const missing = islandProblems.get(page) ?? [];
  if (missing.length > 0) {
    throw new Error(
      `The islands did not hydrate: ${missing.join('; ')}. The browser bundle (target/site) does not match the server binary: rebuild it with ./scripts/build-assets.sh.`,
    );
  }
}

let axeSource;

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA, WCAG 2.2 AA) on the page and fails with a readable list
 * of violations. Injected with `page.evaluate`, which the page's CSP does not apply to.
 * `disableRules`: rule ids left out, each for a reason the caller states.
 */
export async function checkA11y(page, label = page.url(), { disableRules = [] } = {}) {
  axeSource ??= readFileSync(join(E2E_DIR, 'node_modules/axe-core/axe.min.js'), 'utf8');
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(axeSource);
  const rules = Object.fromEntries(disableRules.map((id) => [id, { enabled: false }]));
  const results = await page.evaluate(
    (rules) =>
      window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
        rules,
      }),
    rules,
  );
  if (results.violations.length > 0) {
    const lines = results.violations.map((v) => {
      const targets = v.nodes
        .map((n) => `      - ${n.target.join(' ')}${n.failureSummary ? `\n        ${n.failureSummary.replace(/\n/g, '\n        ')}` : ''}`)
        .join('\n');
      return `  * ${v.id} (${v.impact}): ${v.help}\n    ${v.helpUrl}\n${targets}`;
    });
    throw new Error(`axe found ${results.violations.length} accessibility violation(s) on ${label}:\n${lines.join('\n')}`);
  }
  return results;
}

/**
 * axe for a page in a JavaScript-off context, where axe itself cannot run (the page's timers
 * never fire). The page's HTML as the browser parsed it is served again at the same address to
 * a JavaScript-on page (scripts removed, so it stays the no-JavaScript page) and checked there.
 */
export async function checkA11yNoJs(browser, page, label = page.url()) {
  const html = (await page.content()).replace(/<script\b[\s\S]*?<\/script>/gi, '');
  const url = page.url();
  const context = await browser.newContext();
  try {
    const copy = await context.newPage();
    await copy.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await copy.goto(url);
    return await checkA11y(copy, `${label} (JavaScript off)`);
  } finally {
    await context.close();
  }
}

/** The page's visible text (with JavaScript on or off: read through the DOM by Playwright). */
export async function pageText(page) {
  return page.locator('body').innerText();
}

/** Today's date as the app writes it ("%-d %B %Y", UTC): e.g. "3 March 2026". */
/** Today's date as the pages show it: the UK date ("23 November 2026"). */
export function todayForPeople(now = new Date()) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' }).format(now);
}

export function resultsPath(name) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  return join(RESULTS_DIR, name);
}

/** Decodes the few HTML entities the server writes in text and attribute values. */
export function decodeEntities(s) {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, '&');
}

/**
 * The raw inner HTML of the `#worry-text` textarea in a server-rendered page, as a browser reads
 * it: HTML parsing drops one newline straight after `<textarea>`.
 */
export function textareaContent(html) {
  const m = html.match(/<textarea[^>]*id="worry-text"[^>]*>([\s\S]*?)<\/textarea>/);
  return m ? m[1].replace(/^\r?\n/, '') : null;
}

/** The value of the hidden `token` input in a server-rendered /tell page. */
export function formToken(html) {
  const m = html.match(/<input[^>]*name="token"[^>]*>/);
  if (!m) return null;
  const v = m[0].match(/value="([^"]*)"/);
  return v ? decodeEntities(v[1]) : null;
}

/** The follow-up code in a server-rendered confirmation page. */
export function followUpCode(html) {
  const m = html.match(/data-testid="follow-up-code"[^>]*>([^<]*)</);
  return m ? m[1].trim() : null;
}

/** The emails in the server's outbox folder, oldest first: { file, to, subject, text }. */
export function outboxMails(server) {
  const dir = join(server.dataDir, 'outbox');
  let files = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.txt') && !f.startsWith('.')).sort();
  } catch {
    return [];
  }
  return files.map((f) => {
    const mail = readFileSync(join(dir, f), 'utf8');
    const [head, ...body] = mail.split('\n\n');
    const to = head.match(/^To: (.*)$/m)?.[1] ?? '';
    const subject = head.match(/^Subject: (.*)$/m)?.[1] ?? '';
    return { file: f, to, subject, text: body.join('\n\n') };
  });
}

/** Waits until an email in the outbox matches `test` (a function of the mail); returns it. */
export async function waitForMail(server, test, { timeoutMs = 10_000, what = 'an email' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = outboxMails(server).find(test);
    if (found) return found;
    if (Date.now() > deadline) {
      const list = outboxMails(server).map((m) => `${m.to}: ${m.subject}`).join('\n');
      throw new Error(`No ${what} in the outbox within ${timeoutMs} ms. It holds:\n${list}`);
    }
    await sleep(50);
  }
}

/** Signs `email` in through the pages in `context` (JavaScript on or off): the email form, the
 * emailed link from the outbox, the confirm button. */
export async function signIn(server, context, email) {
  const before = new Set(outboxMails(server).map((m) => m.file));
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await Promise.all([page.waitForURL((u) => u.pathname === '/sign-in'), page.getByRole('button', { name: 'Email me a sign-in link' }).click()]);
  await page.waitForSelector('text=Check your email');
  // The sign-in email itself: another email to the same person (a notification of a concern
  // they read) can arrive while they sign in.
  const link = /http:\/\/\S+\/sign-in\/link\?token=\S+/;
  const mail = await waitForMail(server, (m) => !before.has(m.file) && m.to === email && link.test(m.text), { what: `sign-in email to ${email}` });
  await page.goto(mail.text.match(link)[0]);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/me'),
    page.getByRole('main').getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
  await page.close();
}

/** The option ids of each question of a module's quiz, and the correct ones, from its content
 * file (ids are `q1..` and `a..` in content order, whatever order the page shows). */
export function correctAnswers(moduleId) {
  const text = readFileSync(join(REPO_DIR, 'content/quizzes', `${moduleId}-quiz.md`), 'utf8');
  const questions = [];
  let option = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) {
      questions.push({ id: `q${questions.length + 1}`, correct: [], all: [] });
      option = 0;
    } else if (line.startsWith('- [')) {
      const id = String.fromCharCode(97 + option++);
      const q = questions[questions.length - 1];
      q.all.push(id);
      if (line.startsWith('- [x]')) q.correct.push(id);
    }
  }
  return questions;
}

/** Clicks and waits for the page the click leads to (works with JavaScript on or off). */
export async function submit(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation(), locator.click()]);
  return response;
}

/** The question ids the quiz page shows (an attempt draws 6 of the bank), in order. */
export function shownQuestionIds(page) {
  return page
    .locator('form.quiz fieldset.question input')
    .evaluateAll((els) => [...new Set(els.map((e) => e.name.replace(/^answer-/, '')))]);
}

/** Ticks, for each question the page shows, the options `pick(q)` gives (`q` from
 * `correctAnswers(moduleId)`, or from `bank` when given); returns the questions shown. */
export async function answerShown(page, moduleId, pick, bank = correctAnswers(moduleId)) {
  const shown = [];
  for (const id of await shownQuestionIds(page)) {
    const q = bank.find((b) => b.id === id);
    if (!q) throw new Error(`question ${id} shown is not in the ${moduleId} quiz file`);
    for (const o of pick(q)) await page.locator(`#${q.id}-${o}`).check();
    shown.push(q);
  }
  return shown;
}

/**
 * Screenshots of the page at 320 and 1280 px wide, to look at, in
 * target/screenshots/<name>-<width>.png; fails if the page scrolls sideways at either width.
 * With `a11y`, axe at each width too; pass the `browser` when the page's context has JavaScript
 * off (axe then runs on a copy, see checkA11yNoJs). Leaves the page at 1280 px.
 */
export async function screenshots(page, name, { a11y = false, browser = null } = {}) {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: width === 320 ? 640 : 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name} scrolls sideways by ${overflow}px at ${width} px`);
    await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}-${width}.png`), fullPage: true });
    if (a11y && browser) await checkA11yNoJs(browser, page, `${name} at ${width}px`);
    else if (a11y) await checkA11y(page, `${name} at ${width}px`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}
