// A real OpenID Connect provider for Vigie's login tests: the certified `oidc-provider` package,
// configured with one confidential client and a few static accounts. Listens on 127.0.0.1 only.
//
//   REDIRECT_URI=http://127.0.0.1:8080/login/oidc/callback node provider.mjs [port]
//
// Prints `listening <issuer>` on stdout once it serves. The port defaults to 0 (any free port):
// the issuer, which carries the port, is only fixed once the socket is bound.
//
// Sign-in is a minimal form of our own instead of devInteractions, so that an account can carry
// the `amr`/`acr` of a multi-factor login: GET /interaction/<uid> renders a form with one field,
// `login` (an account id below); /interaction/<uid>/abort answers `access_denied` to the client.
// Consent is granted automatically: the client is first-party.

import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const CLIENT_ID = process.env.CLIENT_ID ?? 'vigie-test';
const CLIENT_SECRET = process.env.CLIENT_SECRET ?? 'vigie-test-secret-0123456789abcdef';
const REDIRECT_URI = process.env.REDIRECT_URI;
if (!REDIRECT_URI) {
  console.error('REDIRECT_URI is required (the callback of the Vigie under test)');
  process.exit(2);
}
const port = Number(process.argv[2] ?? process.env.PORT ?? 0);

// Account id -> claims. `amr`/`acr` describe how the account signed in at the provider.
const ACCOUNTS = {
  ght: {
    email: 'rssi@ght-test.example.org', email_verified: true, name: 'Rose Ssi',
    groups: ['staff', 'vigie-ght'], region: '53', ght: 'GHT-TEST', amr: ['pwd'],
  },
  nogroup: {
    email: 'visiteur@example.org', email_verified: true, name: 'Victor Iteur',
    groups: ['staff'], amr: ['pwd'],
  },
  cert: {
    email: 'analyste@cert.example.org', email_verified: true, name: 'Ana Lyste',
    groups: ['vigie-cert'], amr: ['pwd'],
  },
  certmfa: {
    email: 'analyste-mfa@cert.example.org', email_verified: true, name: 'Ana Mfa',
    groups: ['vigie-cert'], amr: ['pwd', 'otp', 'mfa'], acr: 'urn:test:loa:2',
  },
  unverified: {
    email: 'pirate@example.org', email_verified: false, name: 'Pi Rate',
    groups: ['vigie-ght'], ght: 'GHT-TEST', amr: ['pwd'],
  },
};

const html = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

let provider;
const server = createServer((req, res) => {
  interactions(req, res).catch((err) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500);
    res.end('interaction failed');
  });
});

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

async function interactions(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const m = url.pathname.match(/^\/interaction\/([A-Za-z0-9_-]+)(\/login|\/abort)?$/);
  if (!m) return provider.callback()(req, res);
  const [, uid, action] = m;
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (action === '/abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }
  if (action === '/login' && req.method === 'POST') {
    const form = await readForm(req);
    const id = form.get('login') ?? '';
    const account = Object.hasOwn(ACCOUNTS, id) ? ACCOUNTS[id] : undefined;
    if (account) {
      return provider.interactionFinished(req, res, {
        login: { accountId: id, amr: account.amr, acr: account.acr },
      }, { mergeWithLastSubmission: false });
    }
  }
  if (details.prompt.name !== 'login') {
    res.writeHead(501);
    return res.end(`prompt ${details.prompt.name} is not handled by this test provider`);
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html><body><h1>Test provider</h1>
<form method="post" action="/interaction/${html(uid)}/login">
<label>Account <input name="login" autofocus></label><button type="submit">Sign in</button>
</form><a href="/interaction/${html(uid)}/abort">Cancel</a></body></html>`);
}

server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['vigie-test-provider-cookie-key-not-a-secret'] },
    claims: {
      // With conformIdTokenClaims (the default), ID tokens of the code flow carry the claims of
      // the `openid` scope only: how the user signed in belongs there.
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups', 'region', 'ght'],
    },
    acrValues: ['urn:test:loa:1', 'urn:test:loa:2'],
    ttl: {
      AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Grant: 3600, Session: 3600,
    },
    async findAccount(ctx, sub) {
      if (!Object.hasOwn(ACCOUNTS, sub)) return undefined;
      const { amr, acr, ...claims } = ACCOUNTS[sub];
      return { accountId: sub, async claims() { return { sub, ...claims }; } };
    },
    // The client is first-party: grant what it asks for without a consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  console.log(`listening ${issuer}`);
});

// Ends with its parent (the test): stdin closes when the test process goes away.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
