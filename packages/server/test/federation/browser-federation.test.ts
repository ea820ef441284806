import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { IdentityProvider } from '../../src/accounts/federation/identity-provider.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createStores } from '../../src/storage/repositories/index.js';
import { authorizeUrl, pkcePair, type Step, TestBrowser } from '../helpers/browser.js';
import { describeEachDialect } from '../helpers/databases.js';
import { codeOf, exchangeCode, formFields, isConsentPage, submitConsent } from '../helpers/sign-in-flow.js';
import { startTestServer, type TestServer, testIssuer } from '../helpers/test-server.js';
import { type UpstreamClient, UpstreamProvider } from '../helpers/upstream-provider.js';
import { addProvider, upstreamAccount } from './federation-fixtures.js';

const appRedirect = 'https://app.example/callback';

/*
 * The browser's federated sign-in (issue 18): the sign-in page offers the provider, the browser
 * goes there with code + PKCE (state and nonce kept by Tessera), the real upstream (oidc-provider)
 * signs the person in and sends them back to the provider's redirect_uri, and the original
 * /oauth/authorize request continues to consent and a code.
 */
describeEachDialect('federated sign-in in a (test) browser', (dialect) => {
  let upstream: UpstreamProvider;
  let server: TestServer;
  let provider: IdentityProvider;
  let clientId: string;
  let tesseraClient: UpstreamClient;

  beforeAll(async () => {
    upstream = await UpstreamProvider.start();
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    server = await startTestServer(dialect, { clock: new ManualClock(Date.now()) });
    const secret = `tessera-web-secret-${Math.random()}`;
    provider = await addProvider(server.services, upstream, {
      clientId: 'tessera-web',
      clientSecret: secret,
      groupsClaim: 'groups',
      groupMap: { 'acme-engineering': 'engineering' },
      scopes: ['openid', 'email', 'profile', 'groups'],
    });
    tesseraClient = {
      client_id: 'tessera-web',
      client_secret: secret,
      redirect_uris: [server.services.federation.providers.redirectUri(provider)],
    };
    upstream.addClient(tesseraClient);
    const issued = await server.services.clients.create(
      {
        name: 'Agents App',
        type: 'public',
        redirectUris: [appRedirect],
        scopes: ['openid', 'profile', 'email', 'groups'],
      },
      { actor: 'test' },
    );
    clientId = issued.client.id;
  });
  afterEach(() => server.close());

  function authorize(browser: TestBrowser, challenge: string) {
    return browser.get(
      authorizeUrl({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: appRedirect,
        scope: 'openid profile email groups',
        claims: JSON.stringify({ id_token: { groups: null, email: null } }),
        state: 'app-state',
        nonce: 'app-nonce',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
  }

  /** From the sign-in page to the provider and back to the callback; returns the callback's answer. */
  async function viaUpstream(
    browser: TestBrowser,
    page: Step,
    as: string,
  ): Promise<{ callback: Step; url: URL }> {
    const toUpstream = await browser.post('/signin/oidc', { ...formFields(page), provider: provider.id });
    expect(toUpstream.status).toBe(303);
    const url = await upstream.authorize(toUpstream.location as string, as);
    expect(url.origin).toBe(testIssuer);
    return { callback: await browser.get(`${url.pathname}${url.search}`), url };
  }

  it('signs in at the upstream, then the authorization request goes on to consent and a code', async () => {
    const sub = upstreamAccount(upstream, {
      email: 'ann@acme.example',
      email_verified: true,
      name: 'Ann Smith',
      groups: ['acme-engineering', 'acme-other'],
    });
    const browser = new TestBrowser(server.app);
    const pkce = pkcePair();
    const page = await browser.follow(await authorize(browser, pkce.challenge));
    expect(page.status).toBe(200);
    expect(page.body).toContain(`name="provider" value="${provider.id}"`);
    expect(page.body).toContain('Sign in with Acme SSO');

    const toUpstream = await browser.post('/signin/oidc', { ...formFields(page), provider: provider.id });
    expect(toUpstream.status).toBe(303);
    const request = new URL(toUpstream.location as string);
    expect(`${request.origin}${request.pathname}`).toBe(`${upstream.issuer}/auth`);
    expect(Object.fromEntries(request.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'tessera-web',
      redirect_uri: `${testIssuer}/signin/oidc/callback/${provider.id}`,
      scope: 'openid email profile groups',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });

    const back = await upstream.authorize(request.href, sub);
    expect(`${back.origin}${back.pathname}`).toBe(`${testIssuer}/signin/oidc/callback/${provider.id}`);
    expect(back.searchParams.get('state')).toBe(request.searchParams.get('state'));
    const callback = await browser.get(`${back.pathname}${back.search}`);
    expect(callback.status).toBe(303);
    expect(callback.location).toMatch(/^\/oauth\/authorize\/resume\?interaction=/);

    const consent = await browser.follow(callback);
    expect(isConsentPage(consent)).toBe(true);
    const final = await browser.follow(await submitConsent(browser, consent));
    const code = codeOf(final);
    expect(new URL(final.location as string).searchParams.get('state')).toBe('app-state');
    const tokens = (
      await exchangeCode(server.app, {
        code: code as string,
        verifier: pkce.verifier,
        clientId,
        redirectUri: appRedirect,
      })
    ).json();
    const idToken = decodeJwt(tokens.id_token);
    expect(idToken).toMatchObject({
      nonce: 'app-nonce',
      amr: ['fed'],
      groups: ['engineering'],
      email: 'ann@acme.example',
    });
    const userinfo = await server.app.inject({
      method: 'GET',
      url: '/oauth/userinfo',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.json()).toMatchObject({ groups: ['engineering'], name: 'Ann Smith' });

    const events = await createStores(server.database.handle.db).audit.tail(20);
    expect(events.find((e) => e.type === 'login.succeeded')?.details).toMatchObject({
      via: 'browser',
      amr: 'fed',
      idp: provider.id,
    });

    // The callback is single-use: the same URL again (a replay, or a reload) starts nothing.
    const again = await browser.get(`${back.pathname}${back.search}`);
    expect(again.status).toBe(400);
    expect(again.body).toContain('expired or was already used');
  });

  it("binds the trip to the browser that started it: another browser's callback is refused", async () => {
    const sub = upstreamAccount(upstream, { email: 'bo@acme.example', email_verified: true });
    const browser = new TestBrowser(server.app);
    const page = await browser.follow(await authorize(browser, pkcePair().challenge));
    const toUpstream = await browser.post('/signin/oidc', { ...formFields(page), provider: provider.id });
    const back = await upstream.authorize(toUpstream.location as string, sub);
    const stranger = new TestBrowser(server.app);
    const refused = await stranger.get(`${back.pathname}${back.search}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('expired or was already used');
  });

  it("shows the provider's refusal and Tessera's on the sign-in page, the request still in progress", async () => {
    await server.services.federation.providers.update(
      provider.id,
      { provisioning: false },
      { actor: 'test' },
    );
    const sub = upstreamAccount(upstream, { email: 'new@acme.example', email_verified: true });
    const browser = new TestBrowser(server.app);
    const page = await browser.follow(await authorize(browser, pkcePair().challenge));
    const { callback } = await viaUpstream(browser, page, sub);
    expect(callback.status).toBe(401);
    expect(callback.body).toContain('provisioning is off');
    expect(callback.body).toContain('Agents App');
    expect(callback.body).toContain('name="password"');

    // The provider answering with an error (the person declined there) is a page, not a 500.
    const toUpstream = await browser.post('/signin/oidc', { ...formFields(page), provider: provider.id });
    const state = new URL(toUpstream.location as string).searchParams.get('state') as string;
    const declined = await browser.get(
      `/signin/oidc/callback/${provider.id}?state=${state}&error=access_denied&iss=${encodeURIComponent(upstream.issuer)}`,
    );
    expect(declined.status).toBe(401);
    expect(declined.body).toContain('did not sign you in (access_denied)');
  });

  it('refuses a callback whose iss names another provider (RFC 9207 mix-up defence)', async () => {
    const browser = new TestBrowser(server.app);
    const page = await browser.follow(await authorize(browser, pkcePair().challenge));
    const toUpstream = await browser.post('/signin/oidc', { ...formFields(page), provider: provider.id });
    const state = new URL(toUpstream.location as string).searchParams.get('state') as string;
    const mixed = await browser.get(
      `/signin/oidc/callback/${provider.id}?state=${state}&code=abc&iss=${encodeURIComponent('https://evil.example')}`,
    );
    expect(mixed.status).toBe(400);
    expect(mixed.body).toContain('did not come from the provider');
  });
});
