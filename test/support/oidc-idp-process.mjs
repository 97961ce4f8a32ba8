/**
 * A real OpenID provider (panva's `oidc-provider`, the certified implementation) on loopback, for tests, the bench
 * and the browser walk: a hospital's identity provider as the platform meets it over HTTP. Clients register through
 * the standard dynamic registration endpoint (`POST /reg`); a person "signs in" at its interaction page by typing an
 * email, groups and whether they passed the IdP's MFA, which become the `email`, `groups` and `amr` of the id_token
 * (and `acr`, when the form sends one: `urn:stand-in:mfa` or `urn:stand-in:password`).
 *
 * To refuse tokens, a test can make the provider misbehave at its token endpoint (`POST /_control` with
 * `{"mode": "tamper" | "wrong-audience" | "expired" | null}`): the id_token is then altered after signing, or
 * re-signed with the provider's own key with another audience or an expiry in the past.
 *
 * `POST /_control/token-times` answers (and forgets) how long each token request took inside the provider.
 *
 * Run: `node test/support/oidc-idp-process.mjs [port]`; prints `{"issuer": "http://127.0.0.1:<port>"}` once listening.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { exportJWK, SignJWT, decodeJwt, importJWK } from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? 0);
const server = http.createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(await exportJWK(privateKey)), kid: 'stand-in', alg: 'RS256', use: 'sig' };
const signingKey = await importJWK(jwk, 'RS256');

/** accountId -> claims, from what was typed at the interaction page. */
const people = new Map();
let mode = null;

const provider = new Provider(issuer, {
  jwks: { keys: [jwk] },
  features: { devInteractions: { enabled: false }, registration: { enabled: true } },
  pkce: { required: () => true },
  acrValues: ['urn:stand-in:mfa', 'urn:stand-in:password'],
  claims: { openid: ['sub', 'amr', 'acr'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
  scopes: ['openid', 'email', 'profile'],
  // What the client asked for goes into the id_token too, as most hospital IdPs do (no userinfo round trip needed).
  conformIdTokenClaims: false,
  cookies: { keys: ['stand-in cookie key, tests only'] },
  findAccount: (_ctx, sub) => {
    const person = people.get(sub);
    return person ? { accountId: sub, claims: () => ({ sub, ...person.claims }) } : undefined;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  // First-party sign-in: the grant is given without a consent screen (the provider's documented recipe).
  loadExistingGrant: async (ctx) => {
    const existing = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (existing) return ctx.oidc.provider.Grant.find(existing);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'groups']);
    await grant.save();
    return grant;
  },
  renderError: (ctx, out) => {
    ctx.type = 'text/plain';
    ctx.body = `${out.error}: ${out.error_description ?? ''}`;
  },
});

/** Milliseconds the provider spent on each token request, for the bench to subtract (it measures the platform). */
const tokenTimes = [];

provider.use(async (ctx, next) => {
  const started = performance.now();
  await next();
  if (ctx.path === '/token') tokenTimes.push(performance.now() - started);
  if (ctx.path !== '/token' || !mode || !ctx.body?.id_token) return;
  const token = ctx.body.id_token;
  if (mode === 'tamper') {
    const [header, payload, signature] = token.split('.');
    const claims = { ...decodeJwt(token), email: 'someone.else@example.org' };
    ctx.body = { ...ctx.body, id_token: [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.') };
    void payload;
  } else {
    const claims = decodeJwt(token);
    const now = Math.floor(Date.now() / 1000);
    if (mode === 'wrong-audience') claims.aud = 'another-hospitals-client';
    if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
    ctx.body = { ...ctx.body, id_token: await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'stand-in' }).sign(signingKey) };
  }
});

const page = (uid) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stand-in IdP</title></head><body>
<h1>Stand-in identity provider</h1>
<form method="post" action="/interaction/${uid}">
<p><label>Email <input name="email" type="email" autocomplete="off"></label></p>
<p><label>Groups <input name="groups" value=""></label></p>
<p><label><input type="checkbox" name="mfa" value="yes" checked> Passed multi-factor authentication</label></p>
<p><button type="submit">Sign in</button></p>
</form></body></html>`;

async function formBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    const interaction = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
    if (url.pathname === '/_control/token-times' && req.method === 'POST') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tokenTimes.splice(0)));
    } else if (url.pathname === '/_control' && req.method === 'POST') {
      let text = '';
      for await (const chunk of req) text += chunk;
      mode = JSON.parse(text).mode ?? null;
      res.writeHead(204).end();
    } else if (interaction && req.method === 'GET') {
      await provider.interactionDetails(req, res);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(interaction[1]));
    } else if (interaction && req.method === 'POST') {
      await provider.interactionDetails(req, res);
      const form = await formBody(req);
      const email = (form.get('email') ?? '').trim().toLowerCase();
      const sub = createHash('sha256').update(email).digest('hex').slice(0, 24);
      const groups = (form.get('groups') ?? '').split(/[\s,]+/).filter(Boolean);
      people.set(sub, { claims: { email, email_verified: true, name: email.split('@')[0], groups } });
      const amr = form.get('mfa') === 'yes' ? ['pwd', 'otp', 'mfa'] : ['pwd'];
      const acr = form.get('acr') || undefined;
      await provider.interactionFinished(req, res, { login: { accountId: sub, amr, acr } }, { mergeWithLastSubmission: false });
    } else {
      callback(req, res);
    }
  } catch (error) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error?.message ?? error));
  }
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
