import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorizeUrl, hiddenField, pkcePair, type Step, TestBrowser } from '../helpers/browser.js';
import { describeEachDialect } from '../helpers/databases.js';
import { exchangeCode, signInAndConsent, submitConsent, submitSignIn } from '../helpers/sign-in-flow.js';
import { databaseSnapshot } from '../helpers/snapshot.js';
import {
  basic,
  createMachineClient,
  createPerson,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
  testIssuer,
} from '../helpers/test-server.js';

/**
 * RFC 9700 (OAuth 2.0 Security BCP) §4: one negative test per attack the authorization and
 * token endpoints and the sign-in and consent pages must stop.
 */

const redirectUri = 'https://app.example/callback';
const secondRedirectUri = 'https://app.example/second';
const otherRedirectUri = 'https://b.example/cb';
const password = 'correct horse battery';
const pagePolicy = "default-src 'self'; frame-ancestors 'none'";

describeEachDialect('RFC 9700 attacks on the browser flow', (dialect) => {
  let server: TestServer;
  /** Client A: two registered redirect URIs. */
  let clientA: string;
  /** Client B: another public client. */
  let clientB: string;
  /** A confidential client allowed to introspect. */
  let introspector: { clientId: string; clientSecret: string };

  beforeEach(async () => {
    server = await startTestServer(dialect);
    await createPerson(server.services, { username: 'alice' });
    const a = await server.services.clients.create(
      {
        name: 'Agents App',
        type: 'public',
        redirectUris: [redirectUri, secondRedirectUri],
        scopes: ['openid', 'profile', 'email', 'offline_access'],
      },
      { actor: 'test' },
    );
    clientA = a.client.id;
    const b = await server.services.clients.create(
      {
        name: 'Other App',
        type: 'public',
        redirectUris: [otherRedirectUri],
        scopes: ['openid', 'profile', 'email', 'offline_access'],
      },
      { actor: 'test' },
    );
    clientB = b.client.id;
    introspector = await createMachineClient(server.services, {
      name: 'resource server',
      introspection: true,
    });
  });
  afterEach(() => server.close());

  function params(overrides: Record<string, string | undefined> = {}, pkce = pkcePair()) {
    const base: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: clientA,
      redirect_uri: redirectUri,
      scope: 'openid profile offline_access',
      state: 'st-1',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      ...overrides,
    };
    return Object.fromEntries(
      Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
  }

  /** Drives sign-in and consent (allow) until the browser leaves the server. */
  async function drive(browser: TestBrowser, query: Record<string, string>): Promise<Step> {
    return (await signInAndConsent(browser, query)).final;
  }

  /** A fresh code for client A (signed in and consented), with its PKCE verifier. */
  async function codeForA(browser = new TestBrowser(server.app), overrides: Record<string, string> = {}) {
    const pkce = pkcePair();
    const back = await drive(browser, params(overrides, pkce));
    expect(back.status).toBe(303);
    const location = new URL(back.location as string);
    const code = location.searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    return { code: code as string, verifier: pkce.verifier, location, browser };
  }

  function token(body: Record<string, string>, headers: Record<string, string> = {}) {
    return server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, ...headers },
      payload: form(body),
    });
  }

  function exchange(code: string, verifier: string, overrides: Record<string, string> = {}) {
    return exchangeCode(server.app, { code, verifier, clientId: clientA, redirectUri, extra: overrides });
  }

  function expectErrorPage(step: Step, status = 400) {
    expect(step.status).toBe(status);
    expect(step.location).toBeUndefined();
    expect(step.headers.location).toBeUndefined();
    expect(String(step.headers['content-type'])).toMatch(/^text\/html/);
    expect(step.headers['content-security-policy']).toBe(pagePolicy);
    expect(step.headers['x-frame-options']).toBe('DENY');
  }

  function expectRedirectError(
    step: Step,
    error: string,
    description: string,
    state: string | null = 'st-1',
  ) {
    expect(step.status).toBe(303);
    const location = new URL(step.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('error_description')).toBe(description);
    expect(location.searchParams.get('state')).toBe(state);
    expect(location.searchParams.getAll('iss')).toEqual([testIssuer]);
    expect(location.searchParams.get('code')).toBeNull();
  }

  describe('open redirect (RFC 9700 §4.1)', () => {
    it.each([
      ['an unregistered redirect_uri', 'https://evil.example/callback'],
      ['a prefix of a registered one', 'https://app.example/call'],
      ['a registered one with a suffix', 'https://app.example/callback/evil'],
      ['a registered one with a longer last segment', 'https://app.example/callbackx'],
      ['a registered one in another case', 'https://APP.example/Callback'],
      ['a registered one with a trailing slash', 'https://app.example/callback/'],
      ['a registered one with an extra query', 'https://app.example/callback?next=https://evil.example'],
      ['a registered one with a fragment', 'https://app.example/callback#x'],
      ['a registered one behind userinfo', 'https://app.example/callback@evil.example'],
      ['a registered one over http', 'http://app.example/callback'],
    ])('%s answers 400 with a page and never redirects', async (_name, uri) => {
      const browser = new TestBrowser(server.app);
      const step = await browser.get(authorizeUrl(params({ redirect_uri: uri })));
      expectErrorPage(step);
      expect(step.body).toContain('The redirect URI is not registered for this application.');
      expect(step.body).not.toContain('evil.example');
    });

    it('also for a signed-in user: no code and no redirect to an unregistered URI', async () => {
      const { browser } = await codeForA();
      const step = await browser.get(authorizeUrl(params({ redirect_uri: 'https://evil.example/cb' })));
      expectErrorPage(step);
    });

    it('a missing redirect_uri when the client has two registered answers a page', async () => {
      const step = await new TestBrowser(server.app).get(authorizeUrl(params({ redirect_uri: undefined })));
      expectErrorPage(step);
      expect(step.body).toContain('The redirect URI is not registered for this application.');
    });

    it('an unknown client_id answers a page, even with a plausible redirect_uri', async () => {
      const step = await new TestBrowser(server.app).get(
        authorizeUrl(params({ client_id: 'no-such-client', redirect_uri: 'https://evil.example/cb' })),
      );
      expectErrorPage(step);
      expect(step.body).toContain('The application is not known to Tessera.');
    });

    it('a missing client_id answers a page', async () => {
      const step = await new TestBrowser(server.app).get(authorizeUrl(params({ client_id: undefined })));
      expectErrorPage(step);
    });

    it('a revoked client answers a page', async () => {
      await server.services.clients.revoke(clientA, { actor: 'test' });
      const step = await new TestBrowser(server.app).get(authorizeUrl(params()));
      expectErrorPage(step);
      expect(step.body).toContain('The application is not known to Tessera.');
    });

    it('a repeated redirect_uri (even both registered) answers a page', async () => {
      const url = `${authorizeUrl(params())}&redirect_uri=${encodeURIComponent(secondRedirectUri)}`;
      const step = await new TestBrowser(server.app).get(url);
      expectErrorPage(step);
      expect(step.body).toContain('The request repeats redirect_uri.');
      const evil = `${authorizeUrl(params())}&redirect_uri=${encodeURIComponent('https://evil.example/')}`;
      expectErrorPage(await new TestBrowser(server.app).get(evil));
    });

    it('a repeated client_id answers a page', async () => {
      const url = `${authorizeUrl(params())}&client_id=${encodeURIComponent(clientB)}`;
      const step = await new TestBrowser(server.app).get(url);
      expectErrorPage(step);
    });

    it.each([
      'https://evil.example/steal',
      '//evil.example/oauth/authorize?client_id=x',
      '/\\evil.example/',
      '/oauth/authorize?client_id=x',
      'javascript:alert(1)',
      'made-up-interaction-id',
    ])('POST /signin with interaction=%s signs in but never redirects', async (interaction) => {
      const browser = new TestBrowser(server.app);
      const page = await browser.get(`/signin?interaction=${encodeURIComponent(interaction)}`);
      expect(page.status).toBe(200);
      expect(page.location).toBeUndefined();
      const signedIn = await browser.post('/signin', {
        csrf_token: hiddenField(page.body, 'csrf_token'),
        interaction,
        username: 'alice',
        password,
      });
      expect(signedIn.status).toBe(200);
      expect(signedIn.location).toBeUndefined();
      expect(signedIn.headers.location).toBeUndefined();
      expect(signedIn.body).toContain('You are signed in as alice.');
    });

    it.each([
      'https://evil.example/steal',
      '//evil.example/oauth/authorize?client_id=x',
      'made-up-interaction-id',
    ])(
      'GET and POST /consent and resume with interaction=%s answer 400 and never redirect',
      async (interaction) => {
        const { browser } = await codeForA();
        const shown = await browser.get(`/consent?interaction=${encodeURIComponent(interaction)}`);
        expectErrorPage(shown);
        const signin = await browser.get('/signin');
        const posted = await browser.post('/consent', {
          csrf_token: hiddenField(signin.body, 'csrf_token'),
          interaction,
          decision: 'allow',
        });
        expectErrorPage(posted);
        expectErrorPage(
          await browser.get(`/oauth/authorize/resume?interaction=${encodeURIComponent(interaction)}`),
        );
        // Also without a browser session.
        const stranger = new TestBrowser(server.app);
        expectErrorPage(await stranger.get(`/consent?interaction=${encodeURIComponent(interaction)}`));
      },
    );

    it('GET /consent without a session sends the browser only to this server’s resume endpoint', async () => {
      const browser = new TestBrowser(server.app);
      const start = await browser.get(authorizeUrl(params()));
      const interaction = new URL(start.location as string, testIssuer).searchParams.get(
        'interaction',
      ) as string;
      const step = await browser.get(`/consent?interaction=${encodeURIComponent(interaction)}`);
      expect(step.status).toBe(303);
      expect(step.location).toBe(`/oauth/authorize/resume?interaction=${encodeURIComponent(interaction)}`);
    });
  });

  describe('interactions: the request in progress stays on the server', () => {
    async function startFlow(extra: Record<string, string> = {}) {
      const browser = new TestBrowser(server.app);
      const start = await browser.get(authorizeUrl(params(extra)));
      expect(start.location).toMatch(/^\/signin\?interaction=[\w-]{43}$/);
      const interaction = new URL(start.location as string, testIssuer).searchParams.get(
        'interaction',
      ) as string;
      return { browser, interaction, signin: await browser.get(start.location as string) };
    }

    it('keeps only a hash of the interaction id, and none of the request in the browser', async () => {
      const { interaction, signin } = await startFlow();
      expect(signin.body).not.toContain('code_challenge');
      expect(signin.body).not.toContain(redirectUri);
      const rows = (await databaseSnapshot(server.database.handle.db)).interactions ?? [];
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(interaction);
    });

    it('another browser that learns the id cannot see, sign in on, consent to, deny or resume the interaction', async () => {
      const { interaction } = await startFlow();
      const other = new TestBrowser(server.app);
      const form = await other.get(`/signin?interaction=${interaction}`);
      expect(form.body).not.toContain('Agents App');
      const csrf = hiddenField(form.body, 'csrf_token');
      const signedIn = await other.post('/signin', {
        csrf_token: csrf,
        interaction,
        username: 'alice',
        password,
      });
      expect(signedIn.status).toBe(200);
      expect(signedIn.body).toContain('You are signed in as alice.');
      expectErrorPage(await other.get(`/consent?interaction=${interaction}`));
      expectErrorPage(await other.post('/consent', { csrf_token: csrf, interaction, decision: 'deny' }));
      expectErrorPage(await other.post('/consent', { csrf_token: csrf, interaction, decision: 'allow' }));
      expectErrorPage(await other.get(`/oauth/authorize/resume?interaction=${interaction}`));
      const rows = (await databaseSnapshot(server.database.handle.db)).interactions ?? [];
      expect(rows).toHaveLength(1);
      expect(String(rows[0])).toContain('"login_session_id":null');
      expect(String(rows[0])).toContain('"consented_user_id":null');
    });

    it('another browser’s sign-in does not meet prompt=login for this one’s interaction', async () => {
      const { browser, interaction } = await startFlow({ prompt: 'login' });
      // The victim is signed in already (an older session), the attacker signs in on the victim's interaction id.
      const attacker = new TestBrowser(server.app);
      const form = await attacker.get(`/signin?interaction=${interaction}`);
      await attacker.post('/signin', {
        csrf_token: hiddenField(form.body, 'csrf_token'),
        interaction,
        username: 'alice',
        password,
      });
      const resumed = await browser.get(`/oauth/authorize/resume?interaction=${interaction}`);
      expect(resumed.location).toBe(`/signin?interaction=${interaction}`);
    });

    it('two concurrent resumes of one interaction get one code between them', async () => {
      const { browser, interaction, signin } = await startFlow();
      const consent = await browser.follow(
        await browser.post('/signin', {
          csrf_token: hiddenField(signin.body, 'csrf_token'),
          interaction,
          username: 'alice',
          password,
        }),
      );
      await browser.post('/consent', {
        csrf_token: hiddenField(consent.body, 'csrf_token'),
        interaction,
        decision: 'allow',
      });
      const resume = `/oauth/authorize/resume?interaction=${interaction}`;
      const steps = await Promise.all([browser.get(resume), browser.get(resume)]);
      const codes = steps.filter((step) => step.location?.startsWith(`${redirectUri}?code=`));
      expect(codes).toHaveLength(1);
      expect(steps.filter((step) => step.status === 400)).toHaveLength(1);
    });

    it('one user’s consent on an interaction does not count for another user signing in on it', async () => {
      await createPerson(server.services, { username: 'bob', password });
      const { browser, interaction, signin } = await startFlow({ prompt: 'consent' });
      const consent = await browser.follow(
        await browser.post('/signin', {
          csrf_token: hiddenField(signin.body, 'csrf_token'),
          interaction,
          username: 'alice',
          password,
        }),
      );
      const csrf = hiddenField(consent.body, 'csrf_token');
      await browser.post('/consent', { csrf_token: csrf, interaction, decision: 'allow' });
      // Bob signs in on the same browser and interaction before it resumes: he is asked himself.
      await browser.post('/signin', { csrf_token: csrf, interaction, username: 'bob', password });
      const resumed = await browser.get(`/oauth/authorize/resume?interaction=${interaction}`);
      expect(resumed.location).toBe(`/consent?interaction=${interaction}`);
    });

    it('an interaction expires after 30 minutes and is finished once the code is issued', async () => {
      const late = await startFlow();
      server.clock.advance(1801);
      const expired = await late.browser.post('/signin', {
        csrf_token: hiddenField(late.signin.body, 'csrf_token'),
        interaction: late.interaction,
        username: 'alice',
        password,
      });
      expect(expired.status).toBe(200);
      expect(expired.body).toContain('You are signed in as alice.');
      expectErrorPage(await late.browser.get(`/oauth/authorize/resume?interaction=${late.interaction}`));

      const { browser, interaction, signin } = await startFlow();
      const done = await drive(browser, params());
      expect(done.location).toMatch(/^https:\/\/app\.example\/callback\?code=/);
      const signedIn = await browser.post('/signin', {
        csrf_token: hiddenField(signin.body, 'csrf_token'),
        interaction,
        username: 'alice',
        password,
      });
      const finished = await browser.follow(signedIn);
      expect(finished.location).toMatch(/^https:\/\/app\.example\/callback\?code=/);
      expectErrorPage(await browser.get(`/oauth/authorize/resume?interaction=${interaction}`));
    });
  });

  describe('authorization code injection (RFC 9700 §4.5)', () => {
    it('client B cannot redeem client A’s code, even with A’s redirect_uri and verifier', async () => {
      const { code, verifier } = await codeForA();
      const response = await exchange(code, verifier, { client_id: clientB });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'the authorization code is invalid',
      });
      const withOwnRedirect = await exchange(code, verifier, {
        client_id: clientB,
        redirect_uri: otherRedirectUri,
      });
      expect(withOwnRedirect.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('a code presented with another redirect_uri (registered or not) is refused', async () => {
      const { code, verifier } = await codeForA();
      for (const uri of [secondRedirectUri, 'https://evil.example/callback', `${redirectUri}/`]) {
        const response = await exchange(code, verifier, { redirect_uri: uri });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          error: 'invalid_grant',
          error_description: 'redirect_uri does not match the authorization request',
        });
      }
    });

    it('a wrong code_verifier is refused, and so is the challenge itself as verifier (plain downgrade)', async () => {
      const pkce = pkcePair();
      const back = await drive(new TestBrowser(server.app), params({}, pkce));
      const code = new URL(back.location as string).searchParams.get('code') as string;
      for (const verifier of [pkcePair().verifier, pkce.challenge, 'short']) {
        const response = await exchange(code, verifier);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          error: 'invalid_grant',
          error_description: 'code_verifier does not match the code_challenge',
        });
      }
    });

    it('a code is single use: the second exchange fails and revokes what the first issued', async () => {
      const { code, verifier } = await codeForA();
      const first = await exchange(code, verifier);
      expect(first.statusCode).toBe(200);
      const tokens = first.json();
      expect(tokens.refresh_token).toEqual(expect.any(String));

      const introspect = () =>
        server.app.inject({
          method: 'POST',
          url: '/oauth/introspect',
          headers: {
            ...formHeaders,
            authorization: basic(introspector.clientId, introspector.clientSecret),
          },
          payload: form({ token: tokens.access_token }),
        });
      const userinfo = () =>
        server.app.inject({
          method: 'GET',
          url: '/oauth/userinfo',
          headers: { authorization: `Bearer ${tokens.access_token}` },
        });
      expect((await introspect()).json()).toMatchObject({ active: true });
      expect((await userinfo()).statusCode).toBe(200);

      const second = await exchange(code, verifier);
      expect(second.statusCode).toBe(400);
      expect(second.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'the authorization code was already used',
      });

      expect((await introspect()).json()).toEqual({ active: false });
      const refreshed = await token({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: clientA,
      });
      expect(refreshed.statusCode).toBe(400);
      expect(refreshed.json()).toMatchObject({ error: 'invalid_grant' });
      const info = await userinfo();
      expect(info.statusCode).toBe(401);
      expect(info.headers['www-authenticate']).toMatch(/^Bearer realm="tessera", error="invalid_token"/);

      const audit = await server.database.handle.db
        .selectFrom('audit_events')
        .selectAll()
        .where('type', '=', 'token.revoked')
        .execute();
      expect(audit.map((e) => JSON.stringify(e))).toEqual([
        expect.stringContaining('authorization_code_reuse'),
      ]);
    });

    it('another client’s attempt does not burn the code; its own client redeems it exactly once', async () => {
      const { code, verifier } = await codeForA();
      expect((await exchange(code, verifier, { client_id: clientB })).statusCode).toBe(400);
      // The foreign attempt does not burn the code for its rightful client.
      expect((await exchange(code, verifier)).statusCode).toBe(200);
      expect((await exchange(code, verifier)).json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('a code expires after 10 minutes', async () => {
      const stale = await codeForA();
      server.clock.advance(601);
      const response = await exchange(stale.code, stale.verifier);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'the authorization code has expired',
      });

      const fresh = await codeForA(stale.browser);
      server.clock.advance(599);
      expect((await exchange(fresh.code, fresh.verifier)).statusCode).toBe(200);
    });

    it('a made-up code is refused', async () => {
      const response = await exchange('not-a-code', pkcePair().verifier);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'the authorization code is invalid',
      });
    });
  });

  describe('PKCE downgrade (RFC 9700 §4.8)', () => {
    it('no code_challenge: invalid_request by redirect, naming the parameter', async () => {
      const step = await new TestBrowser(server.app).get(
        authorizeUrl(params({ code_challenge: undefined, code_challenge_method: undefined })),
      );
      expectRedirectError(step, 'invalid_request', 'Missing required parameter: code_challenge');
    });

    it('no code_challenge even for a signed-in user with consent: no code', async () => {
      const { browser } = await codeForA();
      const step = await browser.get(authorizeUrl(params({ code_challenge: undefined })));
      expectRedirectError(step, 'invalid_request', 'Missing required parameter: code_challenge');
    });

    it('code_challenge_method=plain is refused', async () => {
      const plain = pkcePair().verifier;
      const step = await new TestBrowser(server.app).get(
        authorizeUrl(params({ code_challenge: plain, code_challenge_method: 'plain' })),
      );
      expectRedirectError(
        step,
        'invalid_request',
        'code_challenge_method must be S256 (plain is not accepted)',
      );
    });

    it('a missing code_challenge_method (which means plain) is refused', async () => {
      const step = await new TestBrowser(server.app).get(
        authorizeUrl(params({ code_challenge_method: undefined })),
      );
      expectRedirectError(
        step,
        'invalid_request',
        'code_challenge_method must be S256 (plain is not accepted)',
      );
    });

    it('a malformed S256 challenge is refused', async () => {
      const step = await new TestBrowser(server.app).get(
        authorizeUrl(params({ code_challenge: 'too-short' })),
      );
      expectRedirectError(step, 'invalid_request', 'code_challenge is not a valid S256 challenge');
    });

    it('a token request without code_verifier answers exactly the documented error', async () => {
      const { code } = await codeForA();
      for (const send of [
        () =>
          token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientA }),
        () =>
          server.app.inject({
            method: 'POST',
            url: '/oauth/token',
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify({
              grant_type: 'authorization_code',
              code,
              redirect_uri: redirectUri,
              client_id: clientA,
            }),
          }),
      ]) {
        const response = await send();
        expect(response.statusCode).toBe(400);
        expect(response.body).toBe(
          '{"error":"invalid_request","error_description":"Missing required parameter: code_verifier"}',
        );
      }
    });
  });

  describe('mix-up (RFC 9700 §4.4, RFC 9207)', () => {
    it('every authorization response, success or error, carries iss equal to the issuer', async () => {
      const browser = new TestBrowser(server.app);
      const locations: string[] = [];
      // Errors before anyone signs in.
      locations.push(
        (await browser.get(authorizeUrl(params({ code_challenge: undefined })))).location as string,
        (await browser.get(authorizeUrl(params({ scope: 'openid admin' })))).location as string,
        (await browser.get(authorizeUrl(params({ response_type: 'token' })))).location as string,
        (await browser.get(authorizeUrl(params({ prompt: 'none' })))).location as string,
      );
      // A denial.
      const signin = await browser.follow(await browser.get(authorizeUrl(params())));
      const consent = await browser.follow(await submitSignIn(browser, signin));
      locations.push((await submitConsent(browser, consent, 'deny')).location as string);
      // consent_required, then a success.
      locations.push((await browser.get(authorizeUrl(params({ prompt: 'none' })))).location as string);
      locations.push((await drive(browser, params())).location as string);

      const seen = locations.map((l) => new URL(l));
      expect(seen.map((u) => u.searchParams.get('error') ?? 'code')).toEqual([
        'invalid_request',
        'invalid_scope',
        'unsupported_response_type',
        'login_required',
        'access_denied',
        'consent_required',
        'code',
      ]);
      for (const url of seen) {
        expect(`${url.origin}${url.pathname}`).toBe(redirectUri);
        expect(url.searchParams.getAll('iss')).toEqual([testIssuer]);
        expect(url.searchParams.get('state')).toBe('st-1');
      }
    });

    it('discovery advertises authorization_response_iss_parameter_supported', async () => {
      for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
        const response = await server.app.inject({ method: 'GET', url: path });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({
          issuer: testIssuer,
          authorization_response_iss_parameter_supported: true,
          code_challenge_methods_supported: ['S256'],
          response_types_supported: ['code'],
        });
      }
    });
  });

  describe('CSRF on the forms (RFC 9700 §4.7)', () => {
    /** A token valid for another browser's CSRF cookie. */
    async function attackerToken(): Promise<string> {
      const attacker = new TestBrowser(server.app);
      return hiddenField((await attacker.get('/signin')).body, 'csrf_token');
    }

    function expectRefused(step: Step) {
      expectErrorPage(step, 403);
      expect(step.body).toContain('The form has expired');
      const setCookie = step.headers['set-cookie'];
      expect(String(setCookie ?? '')).not.toContain('tessera_session=');
    }

    it('POST /signin without, with a wrong, or with another browser’s token: 403 and no sign-in', async () => {
      const victim = new TestBrowser(server.app);
      const page = await victim.follow(await victim.get(authorizeUrl(params())));
      expect(page.status).toBe(200);
      const interaction = hiddenField(page.body, 'interaction');
      const foreign = await attackerToken();
      const before = await databaseSnapshot(server.database.handle.db);

      const attempts: Array<Record<string, string>> = [
        {},
        { csrf_token: 'wrong' },
        { csrf_token: `${hiddenField(page.body, 'csrf_token')}x` },
        { csrf_token: foreign },
      ];
      for (const extra of attempts) {
        const step = await victim.post('/signin', {
          interaction,
          username: 'alice',
          password,
          ...extra,
        });
        expectRefused(step);
        expect(victim.cookies.has('tessera_session')).toBe(false);
      }
      // A browser that never saw the form (no CSRF cookie at all), as in login CSRF.
      const stranger = new TestBrowser(server.app);
      expectRefused(
        await stranger.post('/signin', {
          csrf_token: foreign,
          interaction,
          username: 'alice',
          password,
        }),
      );
      expect(stranger.cookies.has('tessera_session')).toBe(false);

      expect(await databaseSnapshot(server.database.handle.db)).toEqual(before);

      // The victim's own token works (the refusals above were for the token, nothing else).
      const ok = await victim.post('/signin', {
        csrf_token: hiddenField(page.body, 'csrf_token'),
        interaction,
        username: 'alice',
        password,
      });
      expect(ok.status).toBe(303);
      expect(victim.cookies.has('tessera_session')).toBe(true);
    });

    it('POST /consent without, with a wrong, or with another browser’s token: 403 and no consent', async () => {
      const victim = new TestBrowser(server.app);
      const page = await victim.follow(await victim.get(authorizeUrl(params())));
      const consent = await victim.follow(await submitSignIn(victim, page));
      expect(consent.status).toBe(200);
      expect(consent.body).toContain('name="decision" value="allow"');
      const interaction = hiddenField(consent.body, 'interaction');
      const foreign = await attackerToken();
      const before = await databaseSnapshot(server.database.handle.db);
      expect(before.consents).toEqual([]);

      for (const extra of [{}, { csrf_token: 'wrong' }, { csrf_token: foreign }] as Array<
        Record<string, string>
      >) {
        const step = await victim.post('/consent', { interaction, decision: 'allow', ...extra });
        expectRefused(step);
      }
      expect(await databaseSnapshot(server.database.handle.db)).toEqual(before);

      const allowed = await victim.post('/consent', {
        csrf_token: hiddenField(consent.body, 'csrf_token'),
        interaction,
        decision: 'allow',
      });
      expect(allowed.status).toBe(303);
      expect((await databaseSnapshot(server.database.handle.db)).consents).toHaveLength(1);
    });

    it('the CSRF cookie is HttpOnly and SameSite=Lax', async () => {
      const step = await new TestBrowser(server.app).get('/signin');
      const setCookie = [step.headers['set-cookie']].flat().map(String);
      const csrf = setCookie.find((c) => c.startsWith('tessera_csrf='));
      expect(csrf).toMatch(/; HttpOnly; SameSite=Lax/);
    });
  });

  describe('clickjacking (RFC 9700 §4.16)', () => {
    it('sign-in, consent and error pages forbid framing', async () => {
      const browser = new TestBrowser(server.app);
      const pages: Step[] = [];
      const signin = await browser.follow(await browser.get(authorizeUrl(params())));
      pages.push(signin);
      const consent = await browser.follow(await submitSignIn(browser, signin));
      expect(consent.body).toContain('name="decision" value="allow"');
      pages.push(consent);
      pages.push(await browser.get(authorizeUrl(params({ client_id: 'unknown' }))));
      pages.push(await browser.get('/consent'));
      pages.push(await browser.post('/consent', { decision: 'allow' }));
      pages.push(await browser.post('/signin', { username: 'alice', password }));
      pages.push(await browser.get('/oauth/logout'));
      const fresh = new TestBrowser(server.app);
      const wrongPassword = await fresh.get('/signin');
      pages.push(
        await fresh.post('/signin', {
          csrf_token: hiddenField(wrongPassword.body, 'csrf_token'),
          username: 'alice',
          password: 'wrong',
        }),
      );
      expect(pages.map((p) => p.status)).toEqual([200, 200, 400, 400, 403, 403, 200, 401]);
      for (const page of pages) {
        expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
        expect(page.headers['content-security-policy']).toBe(pagePolicy);
        expect(page.headers['x-frame-options']).toBe('DENY');
      }
    });
  });

  describe('state and parameters', () => {
    it('state is returned unchanged, in a code response and in an error response', async () => {
      const state = 'a b+c/d?e=f&g=#h%20é~"<>';
      const error = await new TestBrowser(server.app).get(authorizeUrl(params({ state, scope: 'nope' })));
      expect(new URL(error.location as string).searchParams.get('state')).toBe(state);
      const { location } = await codeForA(undefined, { state });
      expect(location.searchParams.get('state')).toBe(state);
      const none = await codeForA(undefined, { state: '' });
      expect(none.location.searchParams.has('state')).toBe(false);
    });

    it.each(['scope', 'response_type', 'code_challenge', 'nonce', 'prompt'])(
      'a repeated %s answers invalid_request by redirect, and no code',
      async (name) => {
        const { browser } = await codeForA();
        const base = params({ nonce: 'n1', prompt: 'consent' });
        const url = `${authorizeUrl(base)}&${name}=${encodeURIComponent(base[name] as string)}`;
        const step = await browser.get(url);
        expectRedirectError(step, 'invalid_request', `Parameter '${name}' was sent more than once`);
      },
    );
  });
});
