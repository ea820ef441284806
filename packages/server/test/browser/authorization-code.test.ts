import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { tokenHash } from '../../src/tokens/id-token.js';
import { authorizeUrl, pkcePair, TestBrowser } from '../helpers/browser.js';
import { describeEachDialect } from '../helpers/databases.js';
import { exchangeCode, submitConsent, submitSignIn } from '../helpers/sign-in-flow.js';
import { createPerson, startTestServer, type TestServer, testIssuer } from '../helpers/test-server.js';

const redirectUri = 'https://app.example/callback';

describeEachDialect('authorization code + PKCE in a (test) browser', (dialect) => {
  let server: TestServer;
  let clientId: string;
  beforeEach(async () => {
    server = await startTestServer(dialect);
    await createPerson(server.services, { username: 'alice', groups: ['staff'] });
    const issued = await server.services.clients.create(
      {
        name: 'Agents App',
        type: 'public',
        redirectUris: [redirectUri],
        postLogoutRedirectUris: ['https://app.example/bye'],
        scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
      },
      { actor: 'test' },
    );
    clientId = issued.client.id;
  });
  afterEach(() => server.close());

  async function signInAndConsent(browser: TestBrowser, params: Record<string, string>) {
    const first = await browser.get(authorizeUrl(params));
    expect(first.status).toBe(303);
    expect(first.location).toMatch(/^\/signin\?interaction=/);
    const form = await browser.follow(first);
    expect(form.status).toBe(200);
    expect(form.headers['content-security-policy']).toBe("default-src 'self'; frame-ancestors 'none'");
    expect(form.body).toContain('Agents App');
    const signedIn = await submitSignIn(browser, form);
    expect(signedIn.status).toBe(303);
    const consent = await browser.follow(signedIn);
    expect(consent.status).toBe(200);
    expect(consent.body).toContain('Agents App');
    return browser.follow(await submitConsent(browser, consent));
  }

  const exchange = (code: string, verifier: string) =>
    exchangeCode(server.app, { code, verifier, clientId, redirectUri, encoding: 'json' });

  it('signs in, consents, and the app exchanges the code for access, refresh and ID tokens', async () => {
    const browser = new TestBrowser(server.app);
    const pkce = pkcePair();
    const back = await signInAndConsent(browser, {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'openid profile email offline_access',
      state: 'xyz',
      nonce: 'n-0S6',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    expect(back.status).toBe(303);
    const location = new URL(back.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('iss')).toBe(testIssuer);
    const code = location.searchParams.get('code') as string;

    const response = await exchange(code, pkce.verifier);
    expect(response.statusCode).toBe(200);
    const tokens = response.json();
    expect(Object.keys(tokens).sort()).toEqual([
      'access_token',
      'expires_in',
      'id_token',
      'refresh_token',
      'scope',
      'token_type',
    ]);

    const jwks = createLocalJWKSet((await server.app.inject({ method: 'GET', url: '/oauth/jwks' })).json());
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, jwks, {
      issuer: testIssuer,
      audience: clientId,
      currentDate: server.clock.now(),
    });
    expect(protectedHeader.alg).toBe('RS256');
    const alice = await server.services.users.get('alice');
    expect(payload).toMatchObject({
      sub: alice.id,
      nonce: 'n-0S6',
      at_hash: tokenHash(tokens.access_token, 'RS256'),
      auth_time: Math.floor(server.clock.now().getTime() / 1000),
      sid: expect.any(String),
      amr: ['pwd'],
    });

    const userinfo = await server.app.inject({
      method: 'GET',
      url: '/oauth/userinfo',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.statusCode).toBe(200);
    expect(userinfo.json()).toMatchObject({
      sub: alice.id,
      preferred_username: 'alice',
      email: 'alice@example.com',
      scope: 'openid profile email offline_access',
    });
    expect(userinfo.json().groups).toBeUndefined();
  });

  it('a second client signs in without the form (single sign-on), and consent is remembered', async () => {
    const browser = new TestBrowser(server.app);
    const pkce = pkcePair();
    const params = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    };
    await signInAndConsent(browser, params);
    const again = await browser.get(authorizeUrl(params));
    expect(again.status).toBe(303);
    expect(again.location).toMatch(/^https:\/\/app\.example\/callback\?code=/);

    const other = await server.services.clients.create(
      {
        name: 'Dashboard',
        type: 'public',
        redirectUris: ['https://dash.example/cb'],
        scopes: ['openid'],
        firstParty: true,
      },
      { actor: 'test' },
    );
    const sso = await browser.get(
      authorizeUrl({ ...params, client_id: other.client.id, redirect_uri: 'https://dash.example/cb' }),
    );
    expect(sso.status).toBe(303);
    expect(sso.location).toMatch(/^https:\/\/dash\.example\/cb\?code=/);
  });

  it('Deny sends access_denied back with state and iss', async () => {
    const browser = new TestBrowser(server.app);
    const pkce = pkcePair();
    const first = await browser.follow(
      await browser.get(
        authorizeUrl({
          response_type: 'code',
          client_id: clientId,
          redirect_uri: redirectUri,
          scope: 'openid',
          state: 's1',
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        }),
      ),
    );
    const signedIn = await browser.follow(await submitSignIn(browser, first));
    const denied = await submitConsent(browser, signedIn, 'deny');
    const location = new URL(denied.location as string);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('s1');
    expect(location.searchParams.get('iss')).toBe(testIssuer);
  });
});
