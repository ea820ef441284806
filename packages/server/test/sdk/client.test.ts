import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthenticationError,
  type Clock,
  createMemoryStore,
  createSessionClient,
  type FetchLike,
  type TokenStore,
  type Tokens,
} from '@tessera/client';
import { createFileStore } from '@tessera/client/file-store';
import { decodeJwt } from 'jose';
import { expect, it, type TestContext } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { describeEachDialect } from '../helpers/databases.js';
import { freePort } from '../helpers/listen.js';
import { createPerson, testServerFor } from '../helpers/test-server.js';

const leeway = 30;

/** A clock the test pins to an instant (or real time until it does). */
function pinnableClock(): Clock & { pin(epochSeconds: number): void } {
  let pinned: number | undefined;
  return {
    now: () => new Date(pinned ?? Date.now()),
    pin(epochSeconds) {
      pinned = epochSeconds * 1000;
    },
  };
}

/**
 * Makes the stored access token "about to expire" for `clock`, and only that one: waits until the
 * wall-clock second has moved past the token's `iat` (so any token issued from now on has a later
 * `exp`), then pins the clock to the start of the refresh leeway of the stored token.
 */
async function expireStoredToken(
  store: TokenStore,
  clock: ReturnType<typeof pinnableClock>,
): Promise<Tokens> {
  const tokens = (await store.get()) as Tokens;
  const { iat, exp } = decodeJwt(tokens.accessToken) as { iat: number; exp: number };
  while (Math.floor(Date.now() / 1000) <= iat) await new Promise((resolve) => setTimeout(resolve, 20));
  clock.pin(exp - leeway);
  return tokens;
}

/** The global fetch, counting the session API's refreshes (GET /token) and remembering their headers. */
function countingFetch() {
  const refreshes: Headers[] = [];
  const fetchImpl: FetchLike = (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).pathname === '/token') refreshes.push(new Headers(request.headers));
    return fetch(request);
  };
  return { fetch: fetchImpl, refreshes };
}

/**
 * The refreshes wait for the wall clock (a new second, an expired token): the tests wait side by
 * side, each with a listening server of its own.
 */
const sideBySide = { concurrent: true };

describeEachDialect('@tessera/client session API against a listening Tessera', sideBySide, (dialect) => {
  /** A listening server for `test` with alice signed up; `baseUrl` is its issuer. */
  async function start(test: TestContext, env: Record<string, string> = {}) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const server = await testServerFor(test, dialect, {
      env: { TESSERA_ISSUER: baseUrl, ...env },
      clock: systemClock,
    });
    await server.app.listen({ port, host: '127.0.0.1' });
    await createPerson(server.services, { username: 'alice' });
    return { baseUrl, services: server.services };
  }

  it('logs in, reads /me, calls with the token, logs out; wrong passwords and ended sessions are typed errors', async (test) => {
    const { baseUrl } = await start(test);
    const client = createSessionClient({ baseUrl });

    const wrong = await client.login('alice', 'nope').catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(AuthenticationError);
    expect(wrong).toMatchObject({ code: 'INVALID_CREDENTIALS', status: 401 });
    await expect(client.fetch(`${baseUrl}/me`)).rejects.toMatchObject({ code: 'NOT_SIGNED_IN' });

    const user = await client.login('alice', 'correct horse battery');
    expect(user).toMatchObject({ username: 'alice', email: 'alice@example.com', is_admin: false });
    await expect(client.me()).resolves.toMatchObject({ id: user.id, username: 'alice' });
    const response = await client.fetch(`${baseUrl}/me`);
    expect(response.status).toBe(200);
    const accessToken = await client.getAccessToken();

    await client.logout();
    await expect(client.me()).rejects.toMatchObject({ code: 'NOT_SIGNED_IN' });
    // The server ended the session: the old access token no longer works anywhere.
    const stale = await fetch(`${baseUrl}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(stale.status).toBe(401);
    // Logging out twice is not an error.
    await expect(client.logout()).resolves.toBeUndefined();
  });

  it('50 concurrent fetch calls with an expiring access token cause exactly one refresh', async (test) => {
    const { baseUrl } = await start(test);
    const clock = pinnableClock();
    const store = createMemoryStore();
    const counted = countingFetch();
    const client = createSessionClient({
      baseUrl,
      store,
      clock,
      fetch: counted.fetch,
      refreshLeewaySeconds: leeway,
    });
    await client.login('alice', 'correct horse battery');
    const before = await expireStoredToken(store, clock);

    const responses = await Promise.all(Array.from({ length: 50 }, () => client.fetch(`${baseUrl}/me`)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(counted.refreshes).toHaveLength(1);
    expect(counted.refreshes[0]?.get('authorization')).toBe(`Bearer ${before.refreshToken}`);
    const after = (await store.get()) as Tokens;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
  });

  it('refreshes once on a 401 (the server saw the token expire first), for any number of concurrent calls', async (test) => {
    // Two-second access tokens; a client clock an hour slow never refreshes ahead of time.
    const { baseUrl } = await start(test, { TESSERA_SESSION_ACCESS_TTL: '2' });
    const slow: Clock = { now: () => new Date(Date.now() - 3600_000) };
    const store = createMemoryStore();
    const counted = countingFetch();
    const client = createSessionClient({ baseUrl, store, clock: slow, fetch: counted.fetch });
    await client.login('alice', 'correct horse battery');
    const { exp } = decodeJwt(((await store.get()) as Tokens).accessToken) as { exp: number };
    while (Date.now() / 1000 < exp + 0.05) await new Promise((resolve) => setTimeout(resolve, 50));

    const responses = await Promise.all(Array.from({ length: 20 }, () => client.fetch(`${baseUrl}/me`)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(counted.refreshes).toHaveLength(1);
  });

  it('two clients sharing one file store never log the user out by racing (no grace window to hide behind)', async (test) => {
    // With TESSERA_REFRESH_GRACE=0, presenting an already rotated refresh token ends the session.
    const { baseUrl } = await start(test, { TESSERA_REFRESH_GRACE: '0' });
    const scratch = mkdtempSync(join(tmpdir(), 'tessera-client-'));
    test.onTestFinished(() => rmSync(scratch, { recursive: true, force: true }));
    const path = join(scratch, 'session', 'tokens.json');
    const clock = pinnableClock();
    const counted = countingFetch();
    const options = { baseUrl, clock, fetch: counted.fetch, refreshLeewaySeconds: leeway };
    const first = createSessionClient({ ...options, store: createFileStore(path) });
    const second = createSessionClient({ ...options, store: createFileStore(path) });
    await first.login('alice', 'correct horse battery');
    const loginRefreshToken = ((await createFileStore(path).get()) as Tokens).refreshToken;

    const rounds = 4;
    for (let round = 1; round <= rounds; round += 1) {
      await expireStoredToken(createFileStore(path), clock);
      const calls = Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? first : second).fetch(`${baseUrl}/me`),
      );
      const statuses = (await Promise.all(calls)).map((r) => r.status);
      expect(statuses).toEqual(Array(10).fill(200));
      // Whoever lost the race found the winner's fresh token in the file and used it.
      expect(counted.refreshes).toHaveLength(round);
    }
    await expect(first.me()).resolves.toMatchObject({ username: 'alice' });
    await expect(second.me()).resolves.toMatchObject({ username: 'alice' });

    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(scratch, 'session'))).toEqual(['tokens.json']); // no temp or lock files left
    // The check above would have caught a race: the login's refresh token, reused now, ends the session.
    const reuse = await fetch(`${baseUrl}/token`, {
      headers: { authorization: `Bearer ${loginRefreshToken}` },
    });
    expect(reuse.status).toBe(401);
    clock.pin(Date.now() / 1000 + 3600);
    await expect(first.fetch(`${baseUrl}/me`)).rejects.toBeInstanceOf(AuthenticationError);
    await expect(createFileStore(path).get()).resolves.toBeUndefined();
  });

  it('a session ended elsewhere surfaces as AuthenticationError UNAUTHENTICATED and clears the store', async (test) => {
    const { baseUrl, services } = await start(test);
    const clock = pinnableClock();
    const store = createMemoryStore();
    const client = createSessionClient({ baseUrl, store, clock });
    await client.login('alice', 'correct horse battery');
    const { sid } = decodeJwt(((await store.get()) as Tokens).accessToken) as { sid: string };
    await services.sessions.end(sid, 'admin');
    await expireStoredToken(store, clock);

    const error = await client.fetch(`${baseUrl}/me`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    await expect(store.get()).resolves.toBeUndefined();
  });

  it('refreshCookie: the refresh token stays in the HttpOnly cookie, never in the store, and a reload resumes from it', async (test) => {
    const { baseUrl } = await start(test);
    const browser = cookieJarFetch();
    const clock = pinnableClock();
    const store = createMemoryStore();
    const options = {
      baseUrl,
      clock,
      fetch: browser.fetch,
      refreshCookie: true,
      refreshLeewaySeconds: leeway,
    };
    const tab = createSessionClient({ ...options, store });
    await tab.login('alice', 'correct horse battery');
    expect(await store.get()).toEqual({ accessToken: expect.any(String), expiresAt: expect.any(Number) });
    expect(browser.jar.get('tessera_refresh')).toEqual(expect.any(String));

    await expireStoredToken(store, clock);
    const before = browser.jar.get('tessera_refresh');
    expect((await tab.fetch(`${baseUrl}/me`)).status).toBe(200);
    const refresh = browser.requests.find((r) => r.path === '/token');
    expect(refresh).toMatchObject({ authorization: null, cookie: `tessera_refresh=${before}` });
    expect(browser.jar.get('tessera_refresh')).not.toBe(before); // rotated by the server
    expect((await store.get())?.refreshToken).toBeUndefined();

    // A reload: nothing in memory, the cookie is enough.
    const reloaded = createSessionClient({ ...options, store: createMemoryStore() });
    await expect(reloaded.me()).resolves.toMatchObject({ username: 'alice' });

    await reloaded.logout();
    expect(browser.jar.has('tessera_refresh')).toBe(false);
    const afterLogout = createSessionClient({ ...options, store: createMemoryStore() });
    await expect(afterLogout.getAccessToken()).rejects.toMatchObject({ code: 'NOT_SIGNED_IN' });
  });
});

/**
 * The browser's part of `credentials: 'include'` for a same-origin app: a cookie jar that stores
 * Set-Cookie and sends each cookie back on requests under its Path, but only when the request
 * asks for credentials (Node's fetch otherwise ignores both).
 */
function cookieJarFetch() {
  const jar = new Map<string, { value: string; path: string }>();
  const requests: { path: string; authorization: string | null; cookie: string | null }[] = [];
  const fetchImpl: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const { pathname } = new URL(request.url);
    if (request.credentials === 'include') {
      const cookie = [...jar]
        .filter(([, c]) => pathname === c.path || pathname.startsWith(`${c.path.replace(/\/$/, '')}/`))
        .map(([name, c]) => `${name}=${c.value}`)
        .join('; ');
      if (cookie !== '') request.headers.set('cookie', cookie);
    }
    requests.push({
      path: pathname,
      authorization: request.headers.get('authorization'),
      cookie: request.headers.get('cookie'),
    });
    const response = await fetch(request);
    if (request.credentials === 'include') {
      for (const line of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
        const [name = '', ...value] = pair.split('=');
        const path = attributes.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
        if (attributes.some((a) => /^max-age=0$/i.test(a))) jar.delete(name);
        else jar.set(name, { value: value.join('='), path });
      }
    }
    return response;
  };
  return {
    fetch: fetchImpl,
    requests,
    jar: {
      get: (name: string) => jar.get(name)?.value,
      has: (name: string) => jar.has(name),
    },
  };
}
