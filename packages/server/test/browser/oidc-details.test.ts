import { createLocalJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenHash } from '../../src/tokens/id-token.js';
import { authorizeUrl, hiddenField, pkcePair, type Step, TestBrowser } from '../helpers/browser.js';
import { describeEachDialect } from '../helpers/databases.js';
import {
  exchangeCode,
  isConsentPage,
  isSignInPage,
  signInAndConsent,
  submitConsent,
  submitSignIn,
} from '../helpers/sign-in-flow.js';
import { databaseSnapshot } from '../helpers/snapshot.js';
import {
  createPerson,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
  testIssuer,
} from '../helpers/test-server.js';

const redirectUri = 'https://app.example/callback';
const byeUri = 'https://app.example/bye';
const allScopes = ['openid', 'profile', 'email', 'groups', 'offline_access'];

interface Tokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  token_type: string;
  expires_in: number;
}

describeEachDialect('OpenID Connect details of the browser flow', (dialect) => {
  let server: TestServer;
  let clientId: string;

  beforeEach(async () => {
    server = await startTestServer(dialect);
    await createPerson(server.services, { username: 'alice', groups: ['staff'] });
    await createPerson(server.services, { username: 'bob' });
    clientId = await newClient({ name: 'Agents App' });
  });
  afterEach(() => server.close());

  async function newClient(input: {
    name: string;
    firstParty?: boolean;
    idTokenSignedResponseAlg?: string;
    redirect?: string;
  }): Promise<string> {
    const issued = await server.services.clients.create(
      {
        name: input.name,
        type: 'public',
        redirectUris: [input.redirect ?? redirectUri],
        postLogoutRedirectUris: [byeUri],
        scopes: allScopes,
        firstParty: input.firstParty,
        idTokenSignedResponseAlg: input.idTokenSignedResponseAlg,
      },
      { actor: 'test' },
    );
    return issued.client.id;
  }

  function params(overrides: Record<string, string> = {}, challenge = pkcePair().challenge) {
    return {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'openid',
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...overrides,
    };
  }

  /** Signs in on /signin directly (no authorization request), so the browser has a session. */
  async function signInDirectly(browser: TestBrowser, username = 'alice'): Promise<void> {
    const page = await browser.get('/signin');
    const done = await submitSignIn(browser, page, { username });
    expect(done.status).toBe(200);
    expect(browser.cookies.has('tessera_session')).toBe(true);
  }

  function codeOf(step: Step): string {
    expect(step.status).toBe(303);
    const location = new URL(step.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('iss')).toBe(testIssuer);
    const code = location.searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    return code as string;
  }

  async function exchange(code: string, verifier: string, client = clientId): Promise<Tokens> {
    const response = await exchangeCode(server.app, {
      code,
      verifier,
      clientId: client,
      redirectUri,
      encoding: 'json',
    });
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  /** Tokens for `username` through the whole browser flow. */
  async function tokensFor(
    overrides: Record<string, string>,
    options: { browser?: TestBrowser; username?: string; client?: string } = {},
  ): Promise<Tokens> {
    const pkce = pkcePair();
    const client = options.client ?? clientId;
    const { final } = await signInAndConsent(
      options.browser ?? new TestBrowser(server.app),
      params({ client_id: client, ...overrides }, pkce.challenge),
      { username: options.username },
    );
    return exchange(codeOf(final), pkce.verifier, client);
  }

  async function verifyIdToken(idToken: string, audience = clientId) {
    const jwks = createLocalJWKSet((await server.app.inject({ method: 'GET', url: '/oauth/jwks' })).json());
    return jwtVerify(idToken, jwks, { issuer: testIssuer, audience, currentDate: server.clock.now() });
  }

  function userinfo(accessToken: string) {
    return server.app.inject({
      method: 'GET',
      url: '/oauth/userinfo',
      headers: { authorization: `Bearer ${accessToken}` },
    });
  }

  const nowSeconds = () => Math.floor(server.clock.now().getTime() / 1000);

  function expectErrorRedirect(step: Step, error: string, description: string) {
    expect(step.status).toBe(303);
    const location = new URL(step.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error,
      error_description: description,
      state: 'st',
      iss: testIssuer,
    });
  }

  describe('prompt, max_age and login_hint', () => {
    it('prompt=none without a session: login_required with state and iss', async () => {
      const step = await new TestBrowser(server.app).get(authorizeUrl(params({ prompt: 'none' })));
      expectErrorRedirect(step, 'login_required', 'the user must sign in');
    });

    it('prompt=none signed in but without consent: consent_required; with consent: a code', async () => {
      const browser = new TestBrowser(server.app);
      await signInDirectly(browser);
      const step = await browser.get(authorizeUrl(params({ prompt: 'none' })));
      expectErrorRedirect(step, 'consent_required', 'the user must consent');

      const { shown } = await signInAndConsent(browser, params());
      expect(shown).toEqual(['consent']);
      codeOf(await browser.get(authorizeUrl(params({ prompt: 'none' }))));
    });

    it('prompt=none with a session older than max_age: login_required', async () => {
      const browser = new TestBrowser(server.app);
      await signInAndConsent(browser, params());
      server.clock.advance(120);
      const step = await browser.get(authorizeUrl(params({ prompt: 'none', max_age: '60' })));
      expectErrorRedirect(step, 'login_required', 'the user must sign in');
    });

    it('prompt=login shows the sign-in form despite a session, then completes without a loop', async () => {
      const browser = new TestBrowser(server.app);
      const first = await signInAndConsent(browser, params());
      expect(first.shown).toEqual(['signin', 'consent']);
      const firstAuthTime = nowSeconds();
      server.clock.advance(30);

      const pkce = pkcePair();
      const start = await browser.get(
        authorizeUrl(params({ prompt: 'login', nonce: 'n-1' }, pkce.challenge)),
      );
      expect(start.status).toBe(303);
      expect(start.location).toMatch(/^\/signin\?interaction=/);
      const form = await browser.follow(start);
      expect(isSignInPage(form)).toBe(true);
      const signedIn = await submitSignIn(browser, form);
      expect(signedIn.status).toBe(303);
      expect(signedIn.location).toMatch(/^\/oauth\/authorize\/resume\?interaction=/);
      expect(new URL(signedIn.location as string, testIssuer).searchParams.has('prompt')).toBe(false);
      const back = await browser.get(signedIn.location as string);
      const tokens = await exchange(codeOf(back), pkce.verifier);
      const { payload } = await verifyIdToken(tokens.id_token as string);
      expect(payload.auth_time).toBe(firstAuthTime + 30);
      expect(payload.nonce).toBe('n-1');

      // Without prompt=login the session is used again, as is.
      codeOf(await browser.get(authorizeUrl(params())));
    });

    it('prompt=consent shows consent again even when remembered, then completes', async () => {
      const browser = new TestBrowser(server.app);
      await signInAndConsent(browser, params());
      const { final, shown } = await signInAndConsent(browser, params({ prompt: 'consent' }));
      expect(shown).toEqual(['consent']);
      codeOf(final);
    });

    it('max_age=0 asks for a fresh sign-in, completes afterwards, and auth_time is fresh', async () => {
      const browser = new TestBrowser(server.app);
      await signInAndConsent(browser, params());
      server.clock.advance(5);

      const pkce = pkcePair();
      const { final, shown } = await signInAndConsent(browser, params({ max_age: '0' }, pkce.challenge));
      expect(shown).toEqual(['signin']);
      const tokens = await exchange(codeOf(final), pkce.verifier);
      const { payload } = await verifyIdToken(tokens.id_token as string);
      expect(payload.auth_time).toBe(nowSeconds());
    });

    it('max_age=0 is equivalent to prompt=login, even for a sign-in this very second', async () => {
      const browser = new TestBrowser(server.app);
      await signInAndConsent(browser, params());
      // OIDC Core §3.1.2.1: "Note that max_age=0 is equivalent to prompt=login."
      // Regression: max_age=0 with a sign-in from this very instant once counted as fresh.
      const start = await browser.get(authorizeUrl(params({ max_age: '0' })));
      expect(start.status).toBe(303);
      expect(start.location).toMatch(/^\/signin\?interaction=/);
    });

    it('prompt="login consent" asks for both, in order, and then completes', async () => {
      const browser = new TestBrowser(server.app);
      await signInAndConsent(browser, params());
      const { final, shown } = await signInAndConsent(browser, params({ prompt: 'login consent' }));
      expect(shown).toEqual(['signin', 'consent']);
      codeOf(final);
    });

    it('max_age larger than the session age uses the session and reports the original auth_time', async () => {
      const browser = new TestBrowser(server.app);
      await signInAndConsent(browser, params());
      const signedInAt = nowSeconds();
      server.clock.advance(30);
      const pkce = pkcePair();
      const { final, shown } = await signInAndConsent(browser, params({ max_age: '60' }, pkce.challenge));
      expect(shown).toEqual([]);
      const { payload } = await verifyIdToken(
        (await exchange(codeOf(final), pkce.verifier)).id_token as string,
      );
      expect(payload.auth_time).toBe(signedInAt);

      const stale = await signInAndConsent(browser, params({ max_age: '10' }));
      expect(stale.shown).toEqual(['signin']);
      codeOf(stale.final);
    });

    it('login_hint pre-fills the username, escaped', async () => {
      const browser = new TestBrowser(server.app);
      const start = await browser.get(authorizeUrl(params({ login_hint: 'alice' })));
      expect(start.location).toMatch(/&login_hint=alice$/);
      const page = await browser.follow(start);
      expect(page.body).toContain('id="username" name="username" value="alice"');

      const hostile = await browser.follow(
        await browser.get(authorizeUrl(params({ login_hint: '"><script>alert(1)</script>' }))),
      );
      expect(hostile.status).toBe(200);
      expect(hostile.body).not.toContain('<script>');
      expect(hostile.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    });
  });

  describe('consent', () => {
    it('is remembered per user + client + scopes; a new scope asks again', async () => {
      const browser = new TestBrowser(server.app);
      expect((await signInAndConsent(browser, params({ scope: 'openid profile' }))).shown).toEqual([
        'signin',
        'consent',
      ]);
      expect((await signInAndConsent(browser, params({ scope: 'openid profile' }))).shown).toEqual([]);
      expect((await signInAndConsent(browser, params({ scope: 'openid' }))).shown).toEqual([]);

      const wider = await browser.follow(await browser.get(authorizeUrl(params({ scope: 'openid email' }))));
      expect(isConsentPage(wider)).toBe(true);
      expect(wider.body).toContain('Read your email address');
      codeOf(await browser.follow(await submitConsent(browser, wider)));
      expect((await signInAndConsent(browser, params({ scope: 'openid profile email' }))).shown).toEqual([]);

      const rows = (await databaseSnapshot(server.database.handle.db)).consents as string[];
      expect(rows).toHaveLength(1);
      expect(
        JSON.parse(rows[0] as string)
          .scopes.split(' ')
          .sort(),
      ).toEqual(['email', 'openid', 'profile']);

      // Another client: its own consent.
      const other = await newClient({ name: 'Other App' });
      expect((await signInAndConsent(browser, params({ client_id: other }))).shown).toEqual(['consent']);

      // Another user on the same browser and client: their own consent.
      const bob = new TestBrowser(server.app);
      expect((await signInAndConsent(bob, params(), { username: 'bob' })).shown).toEqual([
        'signin',
        'consent',
      ]);
    });

    it('is skipped for first-party clients, and none is stored', async () => {
      const dashboard = await newClient({ name: 'Dashboard', firstParty: true });
      const browser = new TestBrowser(server.app);
      const { final, shown } = await signInAndConsent(
        browser,
        params({ client_id: dashboard, scope: 'openid profile email groups' }),
      );
      expect(shown).toEqual(['signin']);
      codeOf(final);
      expect((await databaseSnapshot(server.database.handle.db)).consents).toEqual([]);
      // prompt=none works at once for a first-party client.
      codeOf(await browser.get(authorizeUrl(params({ client_id: dashboard, prompt: 'none' }))));
    });

    it('Deny stores nothing and asks again next time', async () => {
      const browser = new TestBrowser(server.app);
      const signin = await browser.follow(await browser.get(authorizeUrl(params())));
      const consent = await browser.follow(await submitSignIn(browser, signin));
      const denied = await submitConsent(browser, consent, 'deny');
      expectErrorRedirect(denied, 'access_denied', 'the user denied the request');
      expect((await databaseSnapshot(server.database.handle.db)).consents).toEqual([]);
      expect((await signInAndConsent(browser, params())).shown).toEqual(['consent']);
    });
  });

  describe('ID tokens', () => {
    it.each(['ES256', 'EdDSA', 'RS256'] as const)(
      'a client registered for %s gets ID tokens signed so, verifying against /oauth/jwks',
      async (alg) => {
        const client = await newClient({ name: `App ${alg}`, idTokenSignedResponseAlg: alg });
        const tokens = await tokensFor({ scope: 'openid profile', nonce: 'n-42' }, { client });
        const { payload, protectedHeader } = await verifyIdToken(tokens.id_token as string, client);
        expect(protectedHeader.alg).toBe(alg);
        expect(protectedHeader.typ).toBe('JWT');
        const jwks = (await server.app.inject({ method: 'GET', url: '/oauth/jwks' })).json() as {
          keys: Array<{ kid: string; alg: string }>;
        };
        expect(jwks.keys.find((k) => k.kid === protectedHeader.kid)?.alg).toBe(alg);
        const alice = await server.services.users.get('alice');
        expect(payload).toMatchObject({
          iss: testIssuer,
          sub: alice.id,
          aud: client,
          nonce: 'n-42',
          at_hash: tokenHash(tokens.access_token, alg),
          auth_time: nowSeconds(),
          iat: nowSeconds(),
          exp: nowSeconds() + 3600,
          sid: expect.any(String),
          amr: ['pwd'],
        });
        // Without a claims request the ID token carries no profile claims.
        expect(payload.name).toBeUndefined();
      },
    );

    it('no ID token without the openid scope', async () => {
      const tokens = await tokensFor({ scope: 'profile' });
      expect(tokens.id_token).toBeUndefined();
    });
  });

  describe('userinfo', () => {
    it('GET and POST (form body or header) return the same claims', async () => {
      const tokens = await tokensFor({ scope: 'openid profile' });
      const viaGet = await userinfo(tokens.access_token);
      expect(viaGet.statusCode).toBe(200);
      expect(viaGet.headers['cache-control']).toBe('no-store');
      const viaForm = await server.app.inject({
        method: 'POST',
        url: '/oauth/userinfo',
        headers: formHeaders,
        payload: form({ access_token: tokens.access_token }),
      });
      expect(viaForm.statusCode).toBe(200);
      const viaHeader = await server.app.inject({
        method: 'POST',
        url: '/oauth/userinfo',
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(viaHeader.statusCode).toBe(200);
      expect(viaForm.json()).toEqual(viaGet.json());
      expect(viaHeader.json()).toEqual(viaGet.json());
    });

    it('no token: 401 with a bare Bearer challenge', async () => {
      for (const request of [
        { method: 'GET' as const, url: '/oauth/userinfo' },
        { method: 'POST' as const, url: '/oauth/userinfo', headers: formHeaders, payload: '' },
      ]) {
        const response = await server.app.inject(request);
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer realm="tessera"');
      }
    });

    it('a bad or expired token: 401 invalid_token', async () => {
      const bad = await userinfo('not-a-token');
      expect(bad.statusCode).toBe(401);
      expect(bad.headers['www-authenticate']).toMatch(/^Bearer realm="tessera", error="invalid_token"/);
      expect(bad.json()).toMatchObject({ error: 'invalid_token' });

      const tokens = await tokensFor({ scope: 'openid' });
      const forged = `${tokens.access_token.slice(0, -4)}AAAA`;
      expect((await userinfo(forged)).statusCode).toBe(401);
      server.clock.advance(3601);
      const expired = await userinfo(tokens.access_token);
      expect(expired.statusCode).toBe(401);
      expect(expired.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    // Issue 13 item 3: OAuth clients that never ask for openid (Flowsta's) read userinfo with profile/email.
    it('a token with profile and email but without openid answers those claims', async () => {
      const tokens = await tokensFor({ scope: 'profile email' });
      const response = await userinfo(tokens.access_token);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ preferred_username: 'alice', email: 'alice@example.com' });
    });

    it('a token with neither openid, profile nor email: 403 insufficient_scope naming openid', async () => {
      const tokens = await tokensFor({ scope: 'offline_access' });
      const response = await userinfo(tokens.access_token);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ error: 'insufficient_scope' });
      const challenge = response.headers['www-authenticate'] as string;
      expect(challenge).toMatch(/^Bearer realm="tessera", error="insufficient_scope"/);
      expect(challenge).toContain('scope="openid"');
    });

    it('a token sent both in the header and in the body: 400 invalid_request', async () => {
      const tokens = await tokensFor({ scope: 'openid' });
      const response = await server.app.inject({
        method: 'POST',
        url: '/oauth/userinfo',
        headers: { ...formHeaders, authorization: `Bearer ${tokens.access_token}` },
        payload: form({ access_token: tokens.access_token }),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('releases claims by scope, and always scope', async () => {
      const browser = new TestBrowser(server.app);
      const alice = await server.services.users.get('alice');
      const claimsFor = async (scope: string) =>
        (await userinfo((await tokensFor({ scope }, { browser })).access_token)).json();

      expect(await claimsFor('openid')).toEqual({ sub: alice.id, scope: 'openid' });
      expect(await claimsFor('openid profile')).toEqual({
        sub: alice.id,
        scope: 'openid profile',
        name: 'Alice Liddell',
        given_name: 'Alice',
        family_name: 'Liddell',
        preferred_username: 'alice',
        profile_picture: null,
        has_custom_picture: false,
        updated_at: Math.floor(alice.updatedAt.getTime() / 1000),
      });
      expect(await claimsFor('openid email')).toEqual({
        sub: alice.id,
        scope: 'openid email',
        email: 'alice@example.com',
        email_verified: false,
      });
      expect(await claimsFor('openid groups')).toEqual({
        sub: alice.id,
        scope: 'openid groups',
        groups: ['staff'],
      });

      await server.services.users.update(
        'alice',
        { attributes: { picture: 'https://pics.example/alice.png' } },
        { actor: 'test' },
      );
      expect(await claimsFor('openid profile')).toMatchObject({
        picture: 'https://pics.example/alice.png',
        profile_picture: 'https://pics.example/alice.png',
        has_custom_picture: true,
      });
    });
  });

  describe('custom claims (issue 8 item 5)', () => {
    const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

    beforeEach(async () => {
      await server.services.users.update(
        'alice',
        { attributes: { did, agent_pub_key: 'abc' } },
        { actor: 'test' },
      );
      await server.services.scopes.update('profile', { claims: ['did', 'agent_pub_key'] }, { actor: 'test' });
    });

    const idTokenClaims = (tokens: Tokens): JWTPayload => decodeJwt(tokens.id_token as string);

    it('userinfo releases them with profile and never without it', async () => {
      const browser = new TestBrowser(server.app);
      const withProfile = await tokensFor({ scope: 'openid profile' }, { browser });
      expect((await userinfo(withProfile.access_token)).json()).toMatchObject({
        did,
        agent_pub_key: 'abc',
        scope: 'openid profile',
      });

      const without = await tokensFor(
        { scope: 'openid email groups', claims: JSON.stringify({ userinfo: { did: null } }) },
        { browser },
      );
      const body = (await userinfo(without.access_token)).json();
      expect(body.did).toBeUndefined();
      expect(body.agent_pub_key).toBeUndefined();
      expect(body.scope).toBe('openid email groups');
    });

    it('the ID token carries them only when requested through claims AND profile was granted', async () => {
      const browser = new TestBrowser(server.app);
      const requested = await tokensFor(
        { scope: 'openid profile', claims: JSON.stringify({ id_token: { did: null } }) },
        { browser },
      );
      const claims = idTokenClaims(requested);
      expect(claims.did).toBe(did);
      expect(claims.agent_pub_key).toBeUndefined();
      expect(claims.name).toBeUndefined();
      expect((await verifyIdToken(requested.id_token as string)).payload.did).toBe(did);

      const essential = await tokensFor(
        {
          scope: 'openid profile',
          claims: JSON.stringify({ id_token: { did: { essential: true }, agent_pub_key: null } }),
        },
        { browser },
      );
      expect(idTokenClaims(essential)).toMatchObject({ did, agent_pub_key: 'abc' });

      const notRequested = await tokensFor({ scope: 'openid profile' }, { browser });
      expect(idTokenClaims(notRequested).did).toBeUndefined();
      expect(idTokenClaims(notRequested).agent_pub_key).toBeUndefined();

      const onlyForUserinfo = await tokensFor(
        { scope: 'openid profile', claims: JSON.stringify({ userinfo: { did: null } }) },
        { browser },
      );
      expect(idTokenClaims(onlyForUserinfo).did).toBeUndefined();

      const noProfile = await tokensFor(
        {
          scope: 'openid email',
          claims: JSON.stringify({ id_token: { did: null, agent_pub_key: null, name: null } }),
        },
        { browser },
      );
      const leaked = idTokenClaims(noProfile);
      expect(leaked.did).toBeUndefined();
      expect(leaked.agent_pub_key).toBeUndefined();
      expect(leaked.name).toBeUndefined();
    });

    it('a claims request cannot override the ID token’s own claims', async () => {
      await server.services.users.update(
        'alice',
        { attributes: { iss: 'https://evil.example', aud: 'someone' } },
        { actor: 'test' },
      );
      await server.services.scopes.update('profile', { claims: ['iss', 'aud', 'did'] }, { actor: 'test' });
      const tokens = await tokensFor({
        scope: 'openid profile',
        claims: JSON.stringify({ id_token: { iss: null, aud: null, did: null } }),
      });
      const { payload } = await verifyIdToken(tokens.id_token as string);
      expect(payload.iss).toBe(testIssuer);
      expect(payload.aud).toBe(clientId);
      expect(payload.did).toBe(did);
    });
  });

  describe('RP-initiated logout', () => {
    async function signedInWithIdToken() {
      const browser = new TestBrowser(server.app);
      const tokens = await tokensFor({ scope: 'openid' }, { browser });
      return { browser, idToken: tokens.id_token as string };
    }

    it('with id_token_hint and a registered post_logout_redirect_uri: 303 there with state; session ended', async () => {
      const { browser, idToken } = await signedInWithIdToken();
      const sessionCookie = browser.cookies.get('tessera_session') as string;
      const query = new URLSearchParams({
        id_token_hint: idToken,
        post_logout_redirect_uri: byeUri,
        state: 'bye-1',
      });
      const step = await browser.get(`/oauth/logout?${query}`);
      expect(step.status).toBe(303);
      expect(step.location).toBe(`${byeUri}?state=bye-1`);
      expect(browser.cookies.has('tessera_session')).toBe(false);

      const next = await browser.get(authorizeUrl(params()));
      expect(next.location).toMatch(/^\/signin\?interaction=/);
      // The session is over on the server, not only forgotten by the browser.
      browser.cookies.set('tessera_session', sessionCookie);
      expect((await browser.get(authorizeUrl(params()))).location).toMatch(/^\/signin\?interaction=/);
    });

    it('an expired id_token_hint is still a valid hint', async () => {
      const { browser, idToken } = await signedInWithIdToken();
      server.clock.advance(7200);
      const query = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: byeUri });
      const step = await browser.get(`/oauth/logout?${query}`);
      expect(step.status).toBe(303);
      expect(step.location).toBe(byeUri);
    });

    it('an unregistered post_logout_redirect_uri: 400 page, no redirect, still signed in', async () => {
      const { browser, idToken } = await signedInWithIdToken();
      for (const uri of ['https://evil.example/bye', `${byeUri}/`, redirectUri]) {
        const query = new URLSearchParams({
          id_token_hint: idToken,
          post_logout_redirect_uri: uri,
          state: 's',
        });
        const step = await browser.get(`/oauth/logout?${query}`);
        expect(step.status).toBe(400);
        expect(step.location).toBeUndefined();
        expect(String(step.headers['content-type'])).toMatch(/^text\/html/);
        expect(step.headers['content-security-policy']).toBe("default-src 'self'; frame-ancestors 'none'");
      }
      // A post-logout URI registered for another client does not count for this client's hint.
      const otherUri = 'https://other.example/bye';
      await server.services.clients.create(
        {
          name: 'Other',
          type: 'public',
          redirectUris: ['https://other.example/cb'],
          postLogoutRedirectUris: [otherUri],
        },
        { actor: 'test' },
      );
      const foreign = await browser.get(
        `/oauth/logout?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: otherUri })}`,
      );
      expect(foreign.status).toBe(400);
      expect(foreign.location).toBeUndefined();
      const withoutHint = await browser.get(
        `/oauth/logout?${new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: 'https://evil.example/' })}`,
      );
      expect(withoutHint.status).toBe(400);
      expect(withoutHint.location).toBeUndefined();
      codeOf(await browser.get(authorizeUrl(params())));
    });

    it('a forged id_token_hint: 400 page', async () => {
      const { browser, idToken } = await signedInWithIdToken();
      const forged = `${idToken.slice(0, -4)}AAAA`;
      const step = await browser.get(
        `/oauth/logout?${new URLSearchParams({ id_token_hint: forged, post_logout_redirect_uri: byeUri })}`,
      );
      expect(step.status).toBe(400);
      expect(step.location).toBeUndefined();
      codeOf(await browser.get(authorizeUrl(params())));
    });

    it('a hint naming another user does not sign this browser out without confirmation', async () => {
      // Logout CSRF: anyone holding an ID token of their own (here bob's) could otherwise end any
      // victim's session with a cross-site GET (<img src=".../oauth/logout?id_token_hint=...">).
      // OpenID RP-Initiated Logout 1.0 §6: logout requests without a valid hint need the user's
      // confirmation; a hint for someone else says nothing about this browser's user.
      // Regression: any valid hint once signed the browser out, whoever it named.
      const bob = new TestBrowser(server.app);
      const bobsToken = (await tokensFor({ scope: 'openid' }, { browser: bob, username: 'bob' }))
        .id_token as string;
      const { browser } = await signedInWithIdToken();
      const step = await browser.get(
        `/oauth/logout?${new URLSearchParams({ id_token_hint: bobsToken, post_logout_redirect_uri: byeUri })}`,
      );
      expect(step.location).toBeUndefined();
      expect(step.status).toBe(200);
      expect(step.body).toContain('name="decision" value="logout"');
      codeOf(await browser.get(authorizeUrl(params())));
    });

    it('without a hint: a confirmation page whose CSRF-protected form signs out', async () => {
      const { browser } = await signedInWithIdToken();
      const query = new URLSearchParams({
        client_id: clientId,
        post_logout_redirect_uri: byeUri,
        state: 'b2',
      });
      const page = await browser.get(`/oauth/logout?${query}`);
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toBe("default-src 'self'; frame-ancestors 'none'");
      expect(page.body).toContain('name="decision" value="logout"');
      expect(browser.cookies.has('tessera_session')).toBe(true);
      const fields = {
        client_id: hiddenField(page.body, 'client_id'),
        post_logout_redirect_uri: hiddenField(page.body, 'post_logout_redirect_uri'),
        state: hiddenField(page.body, 'state'),
        decision: 'logout',
      };
      expect(fields).toEqual({
        client_id: clientId,
        post_logout_redirect_uri: byeUri,
        state: 'b2',
        decision: 'logout',
      });

      // CSRF: without a token, with a wrong one, with another browser's: refused, still signed in.
      const attacker = new TestBrowser(server.app);
      const foreign = hiddenField((await attacker.get('/oauth/logout')).body, 'csrf_token');
      for (const extra of [{}, { csrf_token: 'wrong' }, { csrf_token: foreign }] as Array<
        Record<string, string>
      >) {
        const refused = await browser.post('/oauth/logout', { ...fields, ...extra });
        expect(refused.status).toBe(403);
        expect(refused.location).toBeUndefined();
      }
      codeOf(await browser.get(authorizeUrl(params())));

      // "Stay signed in" changes nothing.
      const stay = await browser.post('/oauth/logout', {
        ...fields,
        decision: 'stay',
        csrf_token: hiddenField(page.body, 'csrf_token'),
      });
      expect(stay.status).toBe(200);
      expect(stay.body).toContain('You are still signed in');
      codeOf(await browser.get(authorizeUrl(params())));

      const done = await browser.post('/oauth/logout', {
        ...fields,
        csrf_token: hiddenField(page.body, 'csrf_token'),
      });
      expect(done.status).toBe(303);
      expect(done.location).toBe(`${byeUri}?state=b2`);
      expect((await browser.get(authorizeUrl(params()))).location).toMatch(/^\/signin\?interaction=/);
    });

    it('without a hint or a client: the form signs out and shows the signed-out page', async () => {
      const { browser } = await signedInWithIdToken();
      const page = await browser.get('/oauth/logout');
      const done = await browser.post('/oauth/logout', {
        csrf_token: hiddenField(page.body, 'csrf_token'),
        decision: 'logout',
      });
      expect(done.status).toBe(200);
      expect(done.body).toContain('You are signed out');
      expect((await browser.get(authorizeUrl(params()))).location).toMatch(/^\/signin\?interaction=/);
    });
  });

  describe('public apps (issue 8 item 6)', () => {
    it('exchange the code as JSON and revoke the refresh token with JSON and X-Client-Id', async () => {
      const tokens = await tokensFor({ scope: 'openid profile offline_access' });
      expect(tokens.refresh_token).toEqual(expect.any(String));
      const refresh = (token: string) =>
        server.app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ grant_type: 'refresh_token', refresh_token: token, client_id: clientId }),
        });
      const revoke = (token: string, client: string) =>
        server.app.inject({
          method: 'POST',
          url: '/oauth/revoke',
          headers: { 'content-type': 'application/json', 'x-client-id': client },
          payload: JSON.stringify({ token, token_type_hint: 'refresh_token' }),
        });

      // Another client cannot revoke it.
      const other = await newClient({ name: 'Other App' });
      expect((await revoke(tokens.refresh_token as string, other)).statusCode).toBe(400);

      const rotated = await refresh(tokens.refresh_token as string);
      expect(rotated.statusCode).toBe(200);
      const current = rotated.json().refresh_token as string;
      expect(current).not.toBe(tokens.refresh_token);

      const revoked = await revoke(current, clientId);
      expect(revoked.statusCode).toBe(200);
      expect(revoked.body).toBe('');

      const after = await refresh(current);
      expect(after.statusCode).toBe(400);
      expect(after.json()).toMatchObject({ error: 'invalid_grant' });
    });
  });
});
