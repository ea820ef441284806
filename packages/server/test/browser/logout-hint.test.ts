import { afterEach, beforeEach, expect, it } from 'vitest';
import { authorizeUrl, pkcePair, TestBrowser } from '../helpers/browser.js';
import { describeEachDialect } from '../helpers/databases.js';
import { codeOf, exchangeCode, signInAndConsent } from '../helpers/sign-in-flow.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

const redirectUri = 'https://app.example/cb';

describeEachDialect('RP-initiated logout and someone else’s id_token_hint', (dialect) => {
  let server: TestServer;
  let clientId: string;
  beforeEach(async () => {
    server = await startTestServer(dialect);
    await createPerson(server.services, { username: 'alice' });
    await createPerson(server.services, { username: 'bob' });
    const issued = await server.services.clients.create(
      {
        name: 'App',
        type: 'public',
        redirectUris: [redirectUri],
        postLogoutRedirectUris: ['https://app.example/bye'],
        scopes: ['openid'],
        firstParty: true,
      },
      { actor: 'test' },
    );
    clientId = issued.client.id;
  });
  afterEach(() => server.close());

  async function signIn(browser: TestBrowser, username: string): Promise<string> {
    const pkce = pkcePair();
    const { final } = await signInAndConsent(
      browser,
      {
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      },
      { username },
    );
    const code = codeOf(final) as string;
    const tokens = await exchangeCode(server.app, { code, verifier: pkce.verifier, clientId, redirectUri });
    return tokens.json().id_token;
  }

  it('asks before signing a browser out with another user’s ID token, and signs out at once with its own', async () => {
    const alice = new TestBrowser(server.app);
    const bob = new TestBrowser(server.app);
    const aliceIdToken = await signIn(alice, 'alice');
    const bobIdToken = await signIn(bob, 'bob');

    const forged = await alice.get(
      `/oauth/logout?id_token_hint=${bobIdToken}&post_logout_redirect_uri=${encodeURIComponent('https://app.example/bye')}&state=s`,
    );
    expect(forged.status).toBe(200);
    expect(forged.body).toContain('Sign out?');
    expect(alice.cookies.has('tessera_session')).toBe(true);
    // Alice is still signed in: a new authorization needs no form.
    const pkce = pkcePair();
    const still = await alice.get(
      authorizeUrl({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(still.location).toMatch(/^https:\/\/app\.example\/cb\?code=/);

    const own = await alice.get(
      `/oauth/logout?id_token_hint=${aliceIdToken}&post_logout_redirect_uri=${encodeURIComponent('https://app.example/bye')}&state=s`,
    );
    expect(own.status).toBe(303);
    expect(own.location).toBe('https://app.example/bye?state=s');
    expect(alice.cookies.has('tessera_session')).toBe(false);
  });
});
