// Regressions for the findings of the security review of 2026-11-23 (closing note of issue 4).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { hiddenField, pkcePair, TestBrowser } from '../helpers/browser.js';
import { describeEachDialect } from '../helpers/databases.js';
import { codeOf, exchangeCode, signInAndConsent } from '../helpers/sign-in-flow.js';
import {
  basic,
  createPerson,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
} from '../helpers/test-server.js';

const redirectUri = 'https://app.example/cb';

describeEachDialect('security review regressions', (dialect) => {
  let server: TestServer;
  let publicClientId: string;
  beforeEach(async () => {
    server = await startTestServer(dialect);
    await createPerson(server.services, { username: 'alice', permissions: ['can_admin_things'] });
    const issued = await server.services.clients.create(
      { name: 'App', type: 'public', redirectUris: [redirectUri], scopes: ['openid'], firstParty: true },
      { actor: 'test' },
    );
    publicClientId = issued.client.id;
  });
  afterEach(() => server.close());

  async function codeFor(browser: TestBrowser, pkce: { challenge: string }) {
    const { final } = await signInAndConsent(browser, {
      response_type: 'code',
      client_id: publicClientId,
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    return codeOf(final) as string;
  }
  const exchange = (code: string, verifier: string) =>
    exchangeCode(server.app, { code, verifier, clientId: publicClientId, redirectUri });

  it('an OAuth client’s access token is not accepted by the session API’s /me', async () => {
    const cli = await server.services.clients.create(
      { name: 'cli', type: 'confidential', grantTypes: ['password'], scopes: ['openid'] },
      { actor: 'test' },
    );
    const token = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(cli.client.id, cli.secret as string) },
      payload: form({
        grant_type: 'password',
        username: 'alice',
        password: 'correct horse battery',
        scope: 'openid',
      }),
    });
    const me = await server.app.inject({
      method: 'GET',
      url: '/me',
      headers: { authorization: `Bearer ${token.json().access_token}` },
    });
    expect(me.statusCode).toBe(401);
  });

  it('replaying a used code without its verifier does not revoke what the real exchange issued', async () => {
    const browser = new TestBrowser(server.app);
    const pkce = pkcePair();
    const code = await codeFor(browser, pkce);
    const real = await exchange(code, pkce.verifier);
    expect(real.statusCode).toBe(200);
    const attacker = await exchange(code, pkcePair().verifier);
    expect(attacker.json().error).toBe('invalid_grant');
    const userinfo = await server.app.inject({
      method: 'GET',
      url: '/oauth/userinfo',
      headers: { authorization: `Bearer ${real.json().access_token}` },
    });
    expect(userinfo.statusCode).toBe(200);
    // The real client replaying it (with the verifier) is a reuse: its grant is revoked.
    expect((await exchange(code, pkce.verifier)).json().error).toBe('invalid_grant');
    const after = await server.app.inject({
      method: 'GET',
      url: '/oauth/userinfo',
      headers: { authorization: `Bearer ${real.json().access_token}` },
    });
    expect(after.statusCode).toBe(401);
  });

  it('a code whose browser sign-in has ended cannot be exchanged', async () => {
    const browser = new TestBrowser(server.app);
    const pkce = pkcePair();
    const code = await codeFor(browser, pkce);
    const page = await browser.get('/oauth/logout');
    await browser.post('/oauth/logout', {
      csrf_token: hiddenField(page.body, 'csrf_token'),
      decision: 'logout',
    });
    expect((await exchange(code, pkce.verifier)).json()).toEqual({
      error: 'invalid_grant',
      error_description: 'the sign-in behind this code has ended',
    });
  });

  it('a refresh token replayed inside the grace window gets the same successor, not a second chain', async () => {
    const login = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'alice', password: 'correct horse battery' },
    });
    const stolen = login.json().refresh_token;
    const refresh = (token: string) =>
      server.app.inject({ method: 'GET', url: '/token', headers: { authorization: `Bearer ${token}` } });
    const legit = (await refresh(stolen)).json().refresh_token;
    const thief = (await refresh(stolen)).json().refresh_token;
    expect(thief).toBe(legit);
    // Both now hold one chain: its next double use, after the window, is detected.
    const next = await refresh(legit);
    expect(next.statusCode).toBe(200);
    server.clock.advance(11);
    expect((await refresh(thief)).statusCode).toBe(401);
    expect((await refresh(next.json().refresh_token)).statusCode).toBe(401);
  });

  it('POST /login takes JSON only (a cross-site form cannot log a browser in)', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/login',
      headers: formHeaders,
      payload: form({ username: 'alice', password: 'correct horse battery' }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['set-cookie']).toBeUndefined();
  });
});

describeEachDialect('an https issuer', (dialect) => {
  it('sends HSTS and __Host- cookies', async () => {
    const server = await startTestServer(dialect, { env: { TESSERA_ISSUER: 'https://auth.example' } });
    try {
      const page = await server.app.inject({ method: 'GET', url: '/signin' });
      expect(page.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(String(page.headers['set-cookie'])).toMatch(/^__Host-tessera_csrf=[^;]+;.* Path=\/;.* Secure/);
    } finally {
      await server.close();
    }
  });
});
