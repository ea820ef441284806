import {
  type Clock,
  createMemoryStore,
  createSessionClient,
  type FetchLike,
  type RefreshedEvent,
  type SignedOutEvent,
  type Tokens,
} from '@tessera/client';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { describeEachDialect } from '../helpers/databases.js';
import { freePort } from '../helpers/listen.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

/** A clock the test pins to an instant (or real time until it does). */
function pinnableClock(): Clock & { pin(epochSeconds: number | undefined): void } {
  let pinned: number | undefined;
  return {
    now: () => new Date(pinned ?? Date.now()),
    pin(epochSeconds) {
      pinned = epochSeconds === undefined ? undefined : epochSeconds * 1000;
    },
  };
}

/** Resolves once `read()` is true (events from other clients arrive asynchronously). */
async function until(read: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!read()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for an event');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Issue 13: apps could not learn of a refresh, or of a sign-out in another tab, until their next call.
describeEachDialect('@tessera/client session events', (dialect) => {
  let server: TestServer;
  let baseUrl: string;

  beforeEach(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = await startTestServer(dialect, { env: { TESSERA_ISSUER: baseUrl }, clock: systemClock });
    await server.app.listen({ port, host: '127.0.0.1' });
    await createPerson(server.services, { username: 'alice' });
  });
  afterEach(() => server.close());

  it('refreshed and signedOut reach this client and another one sharing the store; unsubscribe stops them', async () => {
    const store = createMemoryStore();
    const clock = pinnableClock();
    const here = createSessionClient({ baseUrl, store, clock });
    const there = createSessionClient({ baseUrl, store, clock });
    const seenHere: (RefreshedEvent | SignedOutEvent)[] = [];
    const seenThere: (RefreshedEvent | SignedOutEvent)[] = [];
    const stopHere = [
      here.on('refreshed', (event) => seenHere.push(event)),
      here.on('signedOut', (event) => seenHere.push(event)),
    ];
    there.on('refreshed', (event) => seenThere.push(event));
    there.on('signedOut', (event) => seenThere.push(event));

    await here.login('alice', 'correct horse battery');
    const { exp } = decodeJwt(((await store.get()) as Tokens).accessToken) as { exp: number };
    clock.pin(exp - 30);
    await here.me();
    clock.pin(undefined);
    const refreshed = (await store.get()) as Tokens;
    expect(seenHere).toEqual([
      { accessToken: refreshed.accessToken, expiresAt: refreshed.expiresAt, elsewhere: false },
    ]);
    await until(() => seenThere.length === 1);
    expect(seenThere).toEqual([
      { accessToken: refreshed.accessToken, expiresAt: refreshed.expiresAt, elsewhere: true },
    ]);

    await there.logout();
    expect(seenThere.at(-1)).toEqual({ reason: 'signed-out', elsewhere: false });
    await until(() => seenHere.length === 2);
    expect(seenHere.at(-1)).toEqual({ reason: 'signed-out', elsewhere: true });

    for (const stop of stopHere) {
      stop();
      stop(); // a second call does nothing
    }
    await here.login('alice', 'correct horse battery');
    await here.logout();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seenHere).toHaveLength(2);
  });

  it('a session ended at the server is signedOut session-ended when the refresh is refused', async () => {
    const store = createMemoryStore();
    const clock = pinnableClock();
    const client = createSessionClient({ baseUrl, store, clock });
    const events: SignedOutEvent[] = [];
    client.on('signedOut', (event) => events.push(event));
    await client.login('alice', 'correct horse battery');
    const { sid, exp } = decodeJwt(((await store.get()) as Tokens).accessToken) as {
      sid: string;
      exp: number;
    };
    await server.services.sessions.end(sid, 'admin');
    clock.pin(exp - 30);
    await expect(client.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(events).toEqual([{ reason: 'session-ended', elsewhere: false }]);
  });

  it('refreshCookie tabs: a sign-out in one tab ends the other tab’s in-memory session', async () => {
    // Each tab keeps its own access token in memory; the refresh token is the shared cookie.
    const cookies = new Map<string, string>();
    const browserFetch: FetchLike = async (input, init) => {
      const request = new Request(input, init);
      const header = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
      if (header !== '') request.headers.set('cookie', header);
      const response = await fetch(request);
      for (const line of response.headers.getSetCookie()) {
        const [name = '', ...value] = (line.split(';')[0] ?? '').split('=');
        if (/max-age=0/i.test(line)) cookies.delete(name);
        else cookies.set(name, value.join('='));
      }
      return response;
    };
    const options = { baseUrl, refreshCookie: true, fetch: browserFetch };
    const first = createSessionClient({ ...options, store: createMemoryStore() });
    const secondStore = createMemoryStore();
    const second = createSessionClient({ ...options, store: secondStore });
    await first.login('alice', 'correct horse battery');
    await expect(second.me()).resolves.toMatchObject({ username: 'alice' }); // from the cookie
    const events: SignedOutEvent[] = [];
    second.on('signedOut', (event) => events.push(event));

    await first.logout();
    await until(() => events.length === 1);
    expect(events).toEqual([{ reason: 'signed-out', elsewhere: true }]);
    await expect(secondStore.get()).resolves.toBeUndefined();
  });

  it('logout keeps the tokens when the request fails, so it can be retried', async () => {
    const store = createMemoryStore();
    let offline = true;
    const flaky: FetchLike = (input, init) => {
      const request = new Request(input, init);
      if (offline && new URL(request.url).pathname === '/logout')
        return Promise.reject(new TypeError('fetch failed'));
      return fetch(request);
    };
    const client = createSessionClient({ baseUrl, store, fetch: flaky });
    const events: SignedOutEvent[] = [];
    client.on('signedOut', (event) => events.push(event));
    await client.login('alice', 'correct horse battery');
    const tokens = (await store.get()) as Tokens;

    await expect(client.logout()).rejects.toThrow('fetch failed');
    await expect(store.get()).resolves.toEqual(tokens);
    expect(events).toEqual([]);

    offline = false;
    await client.logout();
    await expect(store.get()).resolves.toBeUndefined();
    expect(events).toEqual([{ reason: 'signed-out', elsewhere: false }]);
    const reuse = await fetch(`${baseUrl}/token`, {
      headers: { authorization: `Bearer ${tokens.refreshToken}` },
    });
    expect(reuse.status).toBe(401);
  });
});
