import {
  type Clock,
  clientCredentials,
  createMemoryStore,
  createSessionClient,
  type FetchLike,
  type Tokens,
} from '@tessera/client';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { describeEachDialect } from '../helpers/databases.js';
import { freePort } from '../helpers/listen.js';
import {
  createMachineClient,
  createPerson,
  startTestServer,
  type TestServer,
} from '../helpers/test-server.js';

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

/** The global fetch, counting requests by path. */
function countingFetch() {
  const paths: string[] = [];
  const fetchImpl: FetchLike = (input, init) => {
    const request = new Request(input, init);
    paths.push(new URL(request.url).pathname);
    return fetch(request);
  };
  return { fetch: fetchImpl, count: (path: string) => paths.filter((p) => p === path).length };
}

// Issue 13: a refresh leeway at or above the token's lifetime (the 30 s default with 20-second
// tokens) made every token "expiring" on arrival, so nothing was cached.
describeEachDialect('@tessera/client with tokens shorter than the refresh leeway', (dialect) => {
  let server: TestServer;
  let issuer: string;

  beforeEach(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startTestServer(dialect, {
      env: { TESSERA_ISSUER: issuer, TESSERA_SESSION_ACCESS_TTL: '20' },
      clock: systemClock,
    });
    await server.app.listen({ port, host: '127.0.0.1' });
    await createPerson(server.services, { username: 'alice' });
  });
  afterEach(() => server.close());

  it('client credentials: a 20-second token is reused, and renewed at half its lifetime', async () => {
    const machine = await createMachineClient(server.services, { accessTokenTtl: 20 });
    const counted = countingFetch();
    const clock = pinnableClock();
    const start = Math.floor(Date.now() / 1000);
    clock.pin(start);
    const provider = clientCredentials({
      issuer,
      clientId: machine.clientId,
      clientSecret: machine.clientSecret,
      fetch: counted.fetch,
      clock,
    });
    const first = await provider.getToken();
    for (let call = 0; call < 4; call += 1) await expect(provider.getToken()).resolves.toBe(first);
    expect(counted.count('/oauth/token')).toBe(1);

    clock.pin(start + 9);
    await expect(provider.getToken()).resolves.toBe(first);
    expect(counted.count('/oauth/token')).toBe(1);
    clock.pin(start + 10); // 10 s left: half the lifetime, less than the 30 s configured
    await provider.getToken();
    expect(counted.count('/oauth/token')).toBe(2);
  });

  it('session client: five me() calls with a 20-second token refresh nothing; one refresh when due, then the new token is used', async () => {
    const counted = countingFetch();
    const clock = pinnableClock();
    const store = createMemoryStore();
    const client = createSessionClient({ baseUrl: issuer, store, clock, fetch: counted.fetch });
    await client.login('alice', 'correct horse battery');
    const { iat, exp } = decodeJwt(((await store.get()) as Tokens).accessToken) as {
      iat: number;
      exp: number;
    };
    expect(exp - iat).toBe(20);

    for (let call = 0; call < 5; call += 1)
      await expect(client.me()).resolves.toMatchObject({ username: 'alice' });
    expect(counted.count('/token')).toBe(0);

    clock.pin(exp - 10);
    await client.me();
    expect(counted.count('/token')).toBe(1);
    // A second client on the same store reads the fresh token under the lock and makes no request.
    const other = createSessionClient({ baseUrl: issuer, store, clock, fetch: counted.fetch });
    clock.pin(undefined);
    for (let call = 0; call < 5; call += 1) {
      await client.me();
      await other.me();
    }
    expect(counted.count('/token')).toBe(1);
  });
});
