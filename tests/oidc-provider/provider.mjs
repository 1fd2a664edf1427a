// A real OpenID provider for Uppsök's OIDC login tests (tests/tests/oidc_login.rs): the
// certified `oidc-provider` package on the loopback, with its own RSA signing key made at
// start. Nothing here is mocked: discovery, JWKS, the authorization endpoint with PKCE, the
// token endpoint with client_secret_basic and the ID token are the package's own.
//
// What a test cannot do through a browser, it asks on /test/next (one login at a time):
//   account  the subject the next login is made as (the login prompt is answered for it)
//   acr      the authentication context the next login gets
//   tamper   "aud" or "exp": the next ID token from /token is re-signed with this provider's
//            own key after setting a wrong audience or an expiry in the past — a token the
//            provider really signed, with one claim Uppsök must refuse
//
// With INTERACTIVE=1 (the browser test, tests/tests/browser.rs) the provider asks as a real one
// does instead: a login page with a form (the account's name typed in) and a consent page
// with a button, both plain HTML forms a browser fills in and posts.
//
// Environment: PORT (0 picks one), CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, KID (the signing
// key's id; a restart with another KID is a key rotation), INTERACTIVE. Prints "listening on
// ISSUER".
import http from 'node:http';
import { URL } from 'node:url';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`provider.mjs: ${name} is not set`);
    process.exit(64);
  }
  return v;
};

const kid = env('KID');
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };

const next = { account: 'nobody', acr: 'loa3', tamper: null };
const interactive = process.env.INTERACTIVE === '1';

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: env('CLIENT_ID'),
    client_secret: env('CLIENT_SECRET'),
    redirect_uris: [env('REDIRECT_URI')],
    post_logout_redirect_uris: [],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  acrValues: ['low', 'loa3', 'loa4'],
  claims: { openid: ['sub', 'hsa_id', 'name'] },
  // The ID token carries the claims of its scopes (here `hsa_id`), as SITHS federations do.
  conformIdTokenClaims: false,
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, hsa_id: `SE2321000230-${id}`, name: `Testperson ${id}` }),
  }),
  // The test's logins are first-party: no consent screen (but the browser test's, which
  // asks for consent as a real provider would).
  loadExistingGrant: async (ctx) => {
    if (interactive) {
      const id = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      return id ? ctx.oidc.provider.Grant.find(id) : undefined;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid');
    await grant.save();
    return grant;
  },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  ttl: { AuthorizationCode: 60, IdToken: 300, AccessToken: 300, Interaction: 300, Session: 600, Grant: 600 },
  renderError: async (ctx, out) => {
    ctx.type = 'text/plain';
    ctx.body = `${out.error}: ${out.error_description ?? ''}`;
  },
});

// Re-signs the ID token of a /token answer when the test asked for a tampered one.
provider.use(async (ctx, nxt) => {
  await nxt();
  if (ctx.path !== '/token' || !next.tamper || !ctx.body?.id_token) return;
  const claims = jose.decodeJwt(ctx.body.id_token);
  const now = Math.floor(Date.now() / 1000);
  if (next.tamper === 'aud') claims.aud = 'another-service';
  if (next.tamper === 'exp') Object.assign(claims, { iat: now - 1200, exp: now - 600 });
  ctx.body = {
    ...ctx.body,
    id_token: await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(privateKey),
  };
  next.tamper = null;
});

const callback = provider.callback();
server.on('request', async (req, res) => {
  const url = new URL(req.url, issuer);
  try {
    if (url.pathname === '/test/next') {
      next.account = url.searchParams.get('account') ?? next.account;
      next.acr = url.searchParams.get('acr') ?? next.acr;
      next.tamper = url.searchParams.get('tamper');
      res.writeHead(204).end();
      return;
    }
    if (interactive && url.pathname.startsWith('/interaction/')) {
      await interact(req, res, url);
      return;
    }
    if (url.pathname.startsWith('/interaction/')) {
      // The login prompt, answered as the test said (a person at a SITHS card would do this).
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name !== 'login') {
        res.writeHead(400).end(`unexpected prompt ${details.prompt.name}`);
        return;
      }
      await provider.interactionFinished(req, res, {
        login: { accountId: next.account, acr: next.acr },
      }, { mergeWithLastSubmission: false });
      return;
    }
    callback(req, res);
  } catch (e) {
    res.writeHead(500).end(String(e?.message ?? e));
  }
});

// The browser test's pages: the login form, then the consent form, as plain HTML.
async function interact(req, res, url) {
  const details = await provider.interactionDetails(req, res);
  const page = (title, body) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html lang="sv"><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`);
  };
  if (req.method === 'GET' && details.prompt.name === 'login') {
    page('Testleverantörens inloggning',
      `<form method="post" action="/interaction/${details.uid}/login">
         <label>Konto <input id="account" name="account" required></label>
         <button id="sign-in" type="submit">Logga in</button></form>`);
    return;
  }
  if (req.method === 'GET' && details.prompt.name === 'consent') {
    page('Godkänn',
      `<p>Uppsök vill veta vem du är.</p>
       <form method="post" action="/interaction/${details.uid}/confirm">
         <button id="consent" type="submit">Godkänn</button></form>`);
    return;
  }
  const form = new URLSearchParams(await new Promise((resolve) => {
    let b = '';
    req.on('data', (c) => { b += c; });
    req.on('end', () => resolve(b));
  }));
  if (url.pathname.endsWith('/login')) {
    await provider.interactionFinished(req, res, {
      login: { accountId: form.get('account'), acr: next.acr },
    }, { mergeWithLastSubmission: false });
    return;
  }
  if (url.pathname.endsWith('/confirm')) {
    const grant = new provider.Grant({ clientId: details.params.client_id, accountId: details.session.accountId });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  res.writeHead(400).end('unexpected interaction');
}

console.log(`listening on ${issuer}`);
