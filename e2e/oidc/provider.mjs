// The local OpenID Connect provider of the demo run and the tests: panva's `oidc-provider`
// (OpenID Certified), configured here. Never deployed.
//
// Accounts: the demo people (content/organisations/demo-people.csv, or OIDC_USERS_CSV) with
// their names; any other well-formed address typed on the login page is accepted too, without a
// name (so the tests can sign in someone the organisation does not know).
//
// Environment:
//   OIDC_BIND              address to listen on (default 127.0.0.1:3001)
//   OIDC_ISSUER            the issuer exactly as published (default http://<OIDC_BIND>)
//   OIDC_CLIENT_ID         the platform's client id (default demo-web)
//   OIDC_CLIENT_SECRET     its secret (required)
//   OIDC_REDIRECT_URIS     its callback addresses, separated by commas (required)
//   OIDC_CLIENT2_ID, OIDC_CLIENT2_SECRET, OIDC_CLIENT2_REDIRECT_URIS
//                          optional: a second client, e.g. another organisation's of the same
//                          deployment (the tests sign in to two organisations through one
//                          provider)
//   OIDC_CLAIMS            `userinfo` (default: the provider's defaults, conformIdTokenClaims:
//                          true, so email and name come only from the UserInfo endpoint) or
//                          `id_token` (conformIdTokenClaims: false, also in the ID token)
//   OIDC_AUTH_METHODS      token endpoint auth methods offered, by commas (default
//                          client_secret_basic,client_secret_post)
//   OIDC_UNVERIFIED_EMAILS addresses whose email_verified is false, by commas
//   OIDC_USERS_CSV         the accounts file (email,name,... with a header line)
//
// A new RSA signing key is made at each start, so restarting the provider rotates its key.
// The login page asks only for an email address: a form that plain HTTP clients can post.

import { createServer } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, calculateJwkThumbprint } from 'jose';
import Provider, { interactionPolicy } from 'oidc-provider';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const bind = env.OIDC_BIND || '127.0.0.1:3001';
const [host, port] = [bind.slice(0, bind.lastIndexOf(':')), Number(bind.slice(bind.lastIndexOf(':') + 1))];
const issuer = env.OIDC_ISSUER || `http://${bind}`;
const list = (v) => (v || '').split(',').map((s) => s.trim()).filter(Boolean);
const clientId = env.OIDC_CLIENT_ID || 'demo-web';
const clientSecret = env.OIDC_CLIENT_SECRET;
const redirectUris = list(env.OIDC_REDIRECT_URIS);
if (!clientSecret || redirectUris.length === 0) {
  console.error('OIDC_CLIENT_SECRET and OIDC_REDIRECT_URIS are required');
  process.exit(2);
}
const client2 = env.OIDC_CLIENT2_ID
  ? { id: env.OIDC_CLIENT2_ID, secret: env.OIDC_CLIENT2_SECRET, redirectUris: list(env.OIDC_CLIENT2_REDIRECT_URIS) }
  : undefined;
if (client2 && (!client2.secret || client2.redirectUris.length === 0 || client2.id === clientId)) {
  console.error('OIDC_CLIENT2_ID needs OIDC_CLIENT2_SECRET and OIDC_CLIENT2_REDIRECT_URIS, and an id of its own');
  process.exit(2);
}
const claimsMode = env.OIDC_CLAIMS || 'userinfo';
if (!['userinfo', 'id_token'].includes(claimsMode)) {
  console.error('OIDC_CLAIMS must be `userinfo` or `id_token`');
  process.exit(2);
}
const authMethods = list(env.OIDC_AUTH_METHODS || 'client_secret_basic,client_secret_post');
const unverified = new Set(list(env.OIDC_UNVERIFIED_EMAILS).map((e) => e.toLowerCase()));

// The demo people: email -> name.
const csvPath = env.OIDC_USERS_CSV || resolve(here, '../../content/organisations/demo-people.csv');
const names = new Map();
for (const line of readFileSync(csvPath, 'utf8').split(/\r?\n/).slice(1)) {
  const [email, name] = line.split(',');
  if (email?.includes('@')) names.set(email.trim().toLowerCase(), name?.trim() || undefined);
}

// Subjects are opaque and stable; the email is a claim, as with real providers.
const subjectOf = (email) => createHash('sha256').update(email).digest('hex').slice(0, 24);
const emails = new Map(); // subject -> email, for every address that signed in
const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const jwk = await exportJWK(privateKey);
jwk.kid = await calculateJwkThumbprint(jwk);
jwk.use = 'sig';
jwk.alg = 'RS256';

// Ask for the email every time (the demo's people take turns in one browser), once per
// authorization request.
const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'every_time',
  'the demo provider asks who you are at every sign-in',
  (ctx) => (ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT),
));

const client = (id, secret, uris) => ({
  client_id: id,
  client_secret: secret,
  redirect_uris: uris,
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: authMethods[0],
});
const provider = new Provider(issuer, {
  clients: [
    client(clientId, clientSecret, redirectUris),
    ...(client2 ? [client(client2.id, client2.secret, client2.redirectUris)] : []),
  ],
  clientAuthMethods: authMethods,
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: claimsMode === 'userinfo',
  features: { devInteractions: { enabled: false } },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const email = emails.get(sub);
    if (!email) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email,
          email_verified: !unverified.has(email),
          ...(names.get(email) ? { name: names.get(email) } : {}),
        };
      },
    };
  },
  // The platform is first party: no consent page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const grant = await ctx.oidc.provider.Grant.find(grantId);
      if (grant) return grant;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><pre>${escape(JSON.stringify(out, null, 2))}</pre>`);
  },
});
provider.proxy = false;

function escape(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}
label,input,button{display:block;font-size:1.1rem;margin:.5rem 0}input{width:100%;padding:.4rem}</style>
</head><body><main>${body}</main></body></html>`;
}

function loginPage(uid, error) {
  return page('Demo identity provider: sign in', `<h1>Demo identity provider</h1>
<p>For development and tests only. Enter the email address of the person to sign in as.</p>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required autofocus>
<button type="submit">Sign in</button>
</form>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

const handle = provider.callback();

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid || details.prompt.name !== 'login') {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`unexpected prompt ${details.prompt.name}`);
    return;
  }
  const send = (status, html) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  if (req.method === 'GET') {
    send(200, loginPage(uid));
    return;
  }
  const email = ((await readForm(req)).get('email') || '').trim().toLowerCase();
  if (!EMAIL.test(email)) {
    send(400, loginPage(uid, 'Enter an email address.'));
    return;
  }
  const sub = subjectOf(email);
  emails.set(sub, email);
  console.log(`signed in ${email} for ${details.params.client_id}`);
  await provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
}

const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  const match = /^\/interaction\/([\w-]+)$/.exec(path);
  if (match && (req.method === 'GET' || req.method === 'POST')) {
    interaction(req, res, match[1]).catch((err) => {
      console.error(`interaction failed: ${err.message}`);
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`The sign-in could not go on: ${err.message}`);
    });
    return;
  }
  // For the tests: which endpoints the platform called, and how the client authenticated.
  if (path === '/me' || path === '/jwks') console.log(`${req.method} ${path}`);
  if (path === '/token' && req.method === 'POST') {
    const method = /^basic /i.test(req.headers.authorization || '') ? 'client_secret_basic' : 'client_secret_post';
    console.log(`POST /token ${method}`);
    // oidc-provider takes either secret method for a secret client; this one is strict: only
    // what discovery offers (so the tests see the platform choose from discovery).
    if (!authMethods.includes(method)) {
      res.writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'invalid_client', error_description: `${method} is not offered` }));
      return;
    }
  }
  handle(req, res);
});
server.listen(port, host, () => {
  console.log(`oidc-provider ${issuer} on ${bind} (claims: ${claimsMode}; token auth: ${authMethods.join(' ')}; key ${jwk.kid})`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
