import {
  AuthenticationError,
  type Clock,
  clientCredentials,
  createMemoryStore,
  createPublicClient,
  type FetchLike,
  ProtocolError,
  type StateStorage,
  type Tokens,
} from '@tessera/client';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { describeEachDialect } from '../helpers/databases.js';
import { freePort } from '../helpers/listen.js';
import { formFields } from '../helpers/sign-in-flow.js';
import {
  createMachineClient,
  createPerson,
  startTestServer,
  type TestServer,
} from '../helpers/test-server.js';

/** Never served: the test reads the code off the redirect instead of following it. */
const redirectUri = 'http://127.0.0.1:9/callback';

/** The global fetch, remembering each path it requested and each token-endpoint request's grant type. */
function countingFetch() {
  const grants: string[] = [];
  const paths: string[] = [];
  const fetchImpl: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    paths.push(new URL(request.url).pathname);
    if (new URL(request.url).pathname === '/oauth/token') {
      grants.push(new URLSearchParams(await request.clone().text()).get('grant_type') ?? '?');
    }
    return fetch(request);
  };
  return { fetch: fetchImpl, grants, paths };
}

/**
 * A user's browser for the front channel: fetch with a cookie jar, following Tessera's redirects,
 * filling the sign-in form (hidden csrf_token and interaction, then username and password) and
 * answering the consent page, until a redirect leaves Tessera. Returns that redirect: the callback.
 */
async function signInAndConsent(start: URL, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  const jar = new Map<string, string>();
  async function go(url: URL, form?: Record<string, string>) {
    const response = await fetch(url, {
      method: form === undefined ? 'GET' : 'POST',
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(form !== undefined && { body: new URLSearchParams(form).toString() }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [name = '', ...value] = (line.split(';')[0] ?? '').split('=');
      if (/max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value.join('='));
    }
    const location = response.headers.get('location');
    return { location: location === null ? undefined : new URL(location, url), body: await response.text() };
  }
  let step = await go(start);
  for (let hops = 0; hops < 10; hops += 1) {
    if (step.location !== undefined) {
      if (step.location.origin !== start.origin) return step.location;
      step = await go(step.location);
    } else if (step.body.includes('name="password"')) {
      step = await go(new URL('/signin', start), {
        ...formFields(step),
        username: 'alice',
        password: 'correct horse battery',
      });
    } else if (step.body.includes('name="decision"')) {
      step = await go(new URL('/consent', start), {
        ...formFields(step),
        decision,
      });
    } else {
      throw new Error(`stuck on a page:\n${step.body.slice(0, 500)}`);
    }
  }
  throw new Error('too many redirects');
}

/** A sessionStorage stand-in the test can look into. */
function inspectableStateStorage(): StateStorage & { readonly entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    getItem: (key) => entries.get(key) ?? null,
    setItem: (key, value) => {
      entries.set(key, value);
    },
    removeItem: (key) => {
      entries.delete(key);
    },
  };
}

describeEachDialect('@tessera/client OAuth flows against a listening Tessera', (dialect) => {
  let server: TestServer;
  let issuer: string;
  let publicClientId: string;

  beforeEach(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startTestServer(dialect, { env: { TESSERA_ISSUER: issuer }, clock: systemClock });
    await server.app.listen({ port, host: '127.0.0.1' });
    await createPerson(server.services, { username: 'alice' });
    const issued = await server.services.clients.create(
      {
        name: 'Agents SPA',
        type: 'public',
        redirectUris: [redirectUri],
        postLogoutRedirectUris: ['http://127.0.0.1:9/bye'],
        scopes: ['openid', 'profile', 'email', 'offline_access'],
        accessTokenTtl: 120,
      },
      { actor: 'test' },
    );
    publicClientId = issued.client.id;
  });
  afterEach(() => server.close());

  it('public client: authorize() → sign-in and consent → handleCallback() gives validated tokens; refresh, userinfo, sign-out', async () => {
    const states = inspectableStateStorage();
    const store = createMemoryStore();
    const counted = countingFetch();
    let pinned: number | undefined;
    const clock: Clock = { now: () => new Date(pinned ?? Date.now()) };
    const client = createPublicClient({
      issuer,
      clientId: publicClientId,
      redirectUri,
      scope: 'openid profile email offline_access',
      store,
      stateStore: states,
      fetch: counted.fetch,
      clock,
    });

    const url = await client.authorize();
    expect(`${url.origin}${url.pathname}`).toBe(`${issuer}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: publicClientId,
      redirect_uri: redirectUri,
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      state: expect.any(String),
      nonce: expect.any(String),
    });
    expect(states.entries.size).toBe(1);

    const callback = await signInAndConsent(url);
    expect(callback.searchParams.get('iss')).toBe(issuer);
    const { tokens, claims } = await client.handleCallback(callback);
    const alice = await server.services.users.get('alice');
    expect(claims).toMatchObject({
      iss: issuer,
      aud: publicClientId,
      sub: alice.id,
      nonce: url.searchParams.get('nonce'),
    });
    expect(tokens).toMatchObject({ refreshToken: expect.any(String), idToken: expect.any(String) });
    expect(await store.get()).toEqual(tokens);
    expect(counted.paths).toContain('/oauth/jwks'); // the ID token's signature was checked too
    expect(states.entries.size).toBe(0); // the pending request is used up
    await expect(client.handleCallback(callback)).rejects.toMatchObject({ code: 'invalid_state' });

    await expect(client.userinfo()).resolves.toMatchObject({ sub: alice.id, preferred_username: 'alice' });

    // Ten concurrent calls with an access token about to expire: one refresh-token grant.
    pinned = ((tokens.expiresAt as number) - 30) * 1000;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => client.fetch(`${issuer}/oauth/userinfo`)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(counted.grants).toEqual(['authorization_code', 'refresh_token']);
    const refreshed = (await store.get()) as Tokens;
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);

    const logoutUrl = await client.signOut({ postLogoutRedirectUri: 'http://127.0.0.1:9/bye' });
    expect(logoutUrl?.searchParams.get('id_token_hint')).toBe(tokens.idToken);
    await expect(store.get()).resolves.toBeUndefined();
    // Revoking the refresh token ended the session: its access token is refused too.
    const after = await fetch(`${issuer}/oauth/userinfo`, {
      headers: { authorization: `Bearer ${refreshed.accessToken}` },
    });
    expect(after.status).toBe(401);
    await expect(client.getAccessToken()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('public client: signOut revokes first; a failed revocation keeps the tokens for a retry (issue 13)', async () => {
    const store = createMemoryStore();
    let offline = true;
    const flaky: FetchLike = (input, init) => {
      const request = new Request(input, init);
      if (offline && new URL(request.url).pathname === '/oauth/revoke')
        return Promise.reject(new TypeError('fetch failed'));
      return fetch(request);
    };
    const client = createPublicClient({
      issuer,
      clientId: publicClientId,
      redirectUri,
      scope: 'openid offline_access',
      store,
      fetch: flaky,
    });
    const signedOut: unknown[] = [];
    client.on('signedOut', (event) => signedOut.push(event));
    const { tokens } = await client.handleCallback(await signInAndConsent(await client.authorize()));

    await expect(client.signOut()).rejects.toThrow('fetch failed');
    await expect(store.get()).resolves.toEqual(tokens);
    expect(signedOut).toEqual([]);

    offline = false;
    await expect(client.signOut()).resolves.toBeUndefined();
    await expect(store.get()).resolves.toBeUndefined();
    expect(signedOut).toEqual([{ reason: 'signed-out', elsewhere: false }]);
    // The retry did revoke it: the refresh token no longer works.
    const reuse = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken as string,
        client_id: publicClientId,
      }).toString(),
    });
    expect(reuse.status).toBe(400);
  });

  it('public client: refreshed events, here and in a second client on the same store', async () => {
    const store = createMemoryStore();
    let pinned: number | undefined;
    const clock: Clock = { now: () => new Date(pinned ?? Date.now()) };
    const options = {
      issuer,
      clientId: publicClientId,
      redirectUri,
      scope: 'openid offline_access',
      store,
      clock,
    };
    const client = createPublicClient(options);
    const other = createPublicClient(options);
    const here: unknown[] = [];
    const there: unknown[] = [];
    client.on('refreshed', (event) => here.push(event));
    other.on('refreshed', (event) => there.push(event));
    const { tokens } = await client.handleCallback(await signInAndConsent(await client.authorize()));

    pinned = ((tokens.expiresAt as number) - 30) * 1000;
    await client.getAccessToken();
    pinned = undefined;
    const refreshed = (await store.get()) as Tokens;
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(here).toEqual([
      { accessToken: refreshed.accessToken, expiresAt: refreshed.expiresAt, elsewhere: false },
    ]);
    await expect.poll(() => there).toEqual([{ ...(here[0] as object), elsewhere: true }]);
  });

  it('handleCallback rejects a wrong state, a wrong iss (RFC 9207 mix-up), and an error response', async () => {
    const client = createPublicClient({ issuer, clientId: publicClientId, redirectUri, scope: 'openid' });

    const genuine = await signInAndConsent(await client.authorize());
    const wrongState = new URL(genuine);
    wrongState.searchParams.set('state', 'forged');
    const stateError = await client.handleCallback(wrongState).catch((e: unknown) => e);
    expect(stateError).toBeInstanceOf(ProtocolError);
    expect(stateError).toMatchObject({ code: 'invalid_state' });

    const mixedUp = new URL(genuine);
    mixedUp.searchParams.set('iss', 'https://attacker.example');
    await expect(client.handleCallback(mixedUp)).rejects.toMatchObject({ code: 'invalid_issuer' });
    // The request was used up by the forged answer: the genuine code is not exchanged afterwards.
    await expect(client.handleCallback(genuine)).rejects.toMatchObject({ code: 'invalid_state' });

    const noIss = await signInAndConsent(await client.authorize());
    noIss.searchParams.delete('iss');
    await expect(client.handleCallback(noIss)).rejects.toMatchObject({ code: 'invalid_issuer' });

    const denied = await signInAndConsent(await client.authorize({ prompt: 'consent' }), 'deny');
    await expect(client.handleCallback(denied)).rejects.toMatchObject({ code: 'access_denied' });
  });

  it('client credentials: caches, renews before expiry, and deduplicates concurrent getToken calls', async () => {
    const machine = await createMachineClient(server.services, {
      scopes: ['read:agents'],
      accessTokenTtl: 3,
    });
    const counted = countingFetch();
    const provider = clientCredentials({
      issuer,
      clientId: machine.clientId,
      clientSecret: machine.clientSecret,
      scope: 'read:agents',
      leewaySeconds: 2,
      fetch: counted.fetch,
    });
    // Start just after a whole second. The 2 s leeway is capped at half the 3 s lifetime: renewal
    // is due 1.5 s after issue, and 2 s in the token is still valid.
    while (Date.now() % 1000 > 100) await new Promise((resolve) => setTimeout(resolve, 20));

    const first = await Promise.all(Array.from({ length: 20 }, () => provider.getToken()));
    expect(new Set(first).size).toBe(1);
    expect(counted.grants).toEqual(['client_credentials']);
    expect(decodeJwt(first[0] as string)).toMatchObject({ sub: machine.clientId, scope: 'read:agents' });
    await expect(provider.getToken()).resolves.toBe(first[0]); // cached
    expect(counted.grants).toHaveLength(1);

    await new Promise((resolve) => setTimeout(resolve, 2000));
    const renewed = await Promise.all([provider.getToken(), provider.getToken(), provider.getToken()]);
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(first[0]);
    expect(counted.grants).toHaveLength(2);
    // Renewed before expiry: the old token was still valid when replaced.
    expect(decodeJwt(first[0] as string).exp as number).toBeGreaterThan(Date.now() / 1000);
  });

  it('client credentials: client_secret_post works; a wrong secret is ProtocolError invalid_client', async () => {
    const machine = await createMachineClient(server.services);
    const post = clientCredentials({
      issuer,
      clientId: machine.clientId,
      clientSecret: machine.clientSecret,
      authMethod: 'client_secret_post',
    });
    await expect(post.getToken()).resolves.toEqual(expect.any(String));

    const wrong = clientCredentials({ issuer, clientId: machine.clientId, clientSecret: 'wrong' });
    const error = await wrong.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: 'invalid_client', status: 401 });
  });
});
