import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { RedisRevocationList } from '../../src/tokens/redis-revocation-list.js';
import { RedisRevocationSet, revocationSetKey } from '../../src/tokens/redis-revocation-set.js';
import { describeEachDialect, redisUrl } from '../helpers/databases.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import {
  basic,
  createMachineClient,
  createPerson,
  form,
  formHeaders,
  startTestServer,
} from '../helpers/test-server.js';

// Issue 15 item 3: revoked tokens came back when Redis lost its keys without reconnecting
// (FLUSHALL, eviction), and a stalled Redis held every bearer check for 10 s.

// Other suites use the shared Redis at the same time: each test server has a key prefix of its own
// (TESSERA_REDIS_PREFIX, see test-server.ts), and only that server's revocation set is ever deleted.
const redisTimeoutMs = 300;
/** What a request may take beyond the Redis timeouts on it, on a loaded 2-core machine. */
const slackMs = 2500;

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs`. */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await run();
  return { result, ms: performance.now() - started };
}

type Client = { clientId: string; clientSecret: string };
/** What issueTokens() hands out. */
type Tokens = { machine: string; person: string; service: string; serviceJti: string };

describeEachDialect('revocation whatever Redis does', { concurrent: true }, (dialect) => {
  let admin: Redis;

  beforeAll(() => {
    if (redisUrl !== undefined) admin = new Redis(redisUrl);
  });
  afterAll(() => admin?.quit());

  /**
   * A server for one test, behind a proxy of its own to Redis, with the clients and people the
   * tests use, and the test's helpers bound to them. The tests wait for real refills and Redis
   * timeouts, so they run at the same time, each with all of this to itself.
   */
  async function revocationServer(test: TestContext) {
    if (redisUrl === undefined) return test.skip();
    const proxy = await startTcpProxy(Number(new URL(redisUrl).port || 6379));
    test.onTestFinished(() => proxy.close());
    const server = await startTestServer(dialect, {
      env: { TESSERA_REDIS_URL: proxy.url(redisUrl), TESSERA_REDIS_TIMEOUT: String(redisTimeoutMs) },
    });
    /** This server's revocation set. */
    const key = revocationSetKey(server.services.config.redisPrefix);
    // Before the proxy closes (hooks run last first), and the key only once no fill can write it again.
    test.onTestFinished(async () => {
      await server.close();
      await admin.del(key);
    });
    const list = server.services.revocations;
    if (!(list instanceof RedisRevocationList)) throw new Error('expected the Redis revocation list');
    await waitFor('the first fill', () => list.inSync);
    const worker = await createMachineClient(server.services, { name: 'worker' });
    const resourceServer = await createMachineClient(server.services, {
      name: 'agents-api',
      introspection: true,
    });
    await createPerson(server.services, { username: 'alice' });
    const issued = await server.services.clients.create(
      {
        name: 'alice-cli',
        type: 'confidential',
        grantTypes: ['password'],
        scopes: ['openid', 'profile'],
        ownerUsername: 'alice',
      },
      { actor: 'test' },
    );
    const personal: Client = { clientId: issued.client.id, clientSecret: issued.secret as string };
    await server.services.users.createServiceAccount({ name: 'robot' }, { actor: 'test' });

    const post = (url: string, as: Client, params: Record<string, string>) =>
      server.app.inject({
        method: 'POST',
        url,
        headers: { ...formHeaders, authorization: basic(as.clientId, as.clientSecret) },
        payload: form(params),
      });
    const bearer = (url: string, token: string) =>
      server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    const tokenFrom = async (response: Promise<LightMyRequestResponse>) => {
      const body = (await response).json();
      if (typeof body.access_token !== 'string') throw new Error(`no token: ${JSON.stringify(body)}`);
      return body.access_token as string;
    };

    /** One token of each kind a bearer check sees: a machine's, a person's (userinfo), a service account's (/me). */
    async function issueTokens() {
      const machine = await tokenFrom(post('/oauth/token', worker, { grant_type: 'client_credentials' }));
      const person = await tokenFrom(
        post('/oauth/token', personal, {
          grant_type: 'password',
          username: 'alice',
          password: 'correct horse battery',
          scope: 'openid profile',
        }),
      );
      const service = (await server.services.users.issueServiceToken('robot', 30, { actor: 'test' }))
        .accessToken;
      return { machine, person, service: service.token, serviceJti: service.jti };
    }

    async function revokeAll(tokens: Tokens) {
      expect((await post('/oauth/revoke', worker, { token: tokens.machine })).statusCode).toBe(200);
      expect((await post('/oauth/revoke', personal, { token: tokens.person })).statusCode).toBe(200);
      await server.services.serviceTokens.revoke(tokens.serviceJti, { actor: 'test' });
    }

    /** Every bearer check refuses the revoked tokens; each answer's time is returned. */
    async function expectRefused(tokens: Tokens): Promise<number[]> {
      const introspection = await timed(() =>
        post('/oauth/introspect', resourceServer, { token: tokens.machine }),
      );
      expect(introspection.result.json()).toEqual({ active: false });
      const userinfo = await timed(() => bearer('/oauth/userinfo', tokens.person));
      expect(userinfo.result.statusCode).toBe(401);
      const me = await timed(() => bearer('/me', tokens.service));
      expect(me.result.statusCode).toBe(401);
      return [introspection.ms, userinfo.ms, me.ms];
    }

    /** Every bearer check accepts the live tokens. */
    async function expectAccepted(tokens: Tokens): Promise<number[]> {
      const introspection = await timed(() =>
        post('/oauth/introspect', resourceServer, { token: tokens.machine }),
      );
      expect(introspection.result.json()).toMatchObject({ active: true });
      const userinfo = await timed(() => bearer('/oauth/userinfo', tokens.person));
      expect(userinfo.result.statusCode).toBe(200);
      const me = await timed(() => bearer('/me', tokens.service));
      expect(me.result.statusCode).toBe(200);
      return [introspection.ms, userinfo.ms, me.ms];
    }

    const jtiOf = async (token: string) => (await server.services.accessTokens.verify(token)).jti;
    const inRedis = async (jti: string) => (await admin.zscore(key, `j:${jti}`)) !== null;
    const warnings = (pattern: RegExp) =>
      server.logs.filter((line) => {
        const entry = JSON.parse(line) as { level: number; msg: string };
        return entry.level >= 40 && pattern.test(entry.msg);
      });

    return {
      proxy,
      key,
      list,
      worker,
      post,
      issueTokens,
      revokeAll,
      expectRefused,
      expectAccepted,
      jtiOf,
      inRedis,
      warnings,
    };
  }

  it('a revoked token stays refused when Redis loses the set (FLUSHALL, eviction), and the set is refilled', async (test) => {
    const { key, list, issueTokens, revokeAll, expectRefused, expectAccepted, jtiOf, inRedis } =
      await revocationServer(test);
    const revoked = await issueTokens();
    const live = await issueTokens();
    await revokeAll(revoked);
    const jti = await jtiOf(revoked.machine);
    // Waited for: on a loaded machine a write may outlast its timeout and land a moment later.
    await waitFor('the revocation in Redis', () => inRedis(jti));
    // No TTL on the set: a volatile-* eviction policy never picks it.
    expect(await admin.ttl(key)).toBe(-1);
    await expectRefused(revoked);

    // What FLUSHALL, an allkeys-* eviction or a restart without persistence does to it, while
    // the connection stays up.
    await admin.del(key);
    await expectRefused(revoked);
    await expectAccepted(live);

    await waitFor('the refill', async () => list.inSync && (await inRedis(jti)));
    for (const token of [revoked.person, revoked.service])
      expect(await inRedis(await jtiOf(token))).toBe(true);
    await expectRefused(revoked);
    await expectAccepted(live);
  });

  it('a set lost again and again is refilled each time, and reported at most once per interval', async (test) => {
    const { key, list, issueTokens, revokeAll, expectRefused, jtiOf, inRedis, warnings } =
      await revocationServer(test);
    const revoked = await issueTokens();
    await revokeAll(revoked);
    const jti = await jtiOf(revoked.machine);
    for (let round = 0; round < 3; round += 1) {
      await admin.del(key);
      await expectRefused(revoked);
      await waitFor('the refill', async () => list.inSync && (await inRedis(jti)));
    }
    expect(warnings(/incomplete/)).toHaveLength(1);
  });

  it('a write Redis refuses (a reply error) makes every instance distrust the set until it is refilled', async (test) => {
    const { key, list, issueTokens, revokeAll, expectRefused, jtiOf, inRedis } = await revocationServer(test);
    const revoked = await issueTokens();
    // Redis answers, but with an error: the key holds something that is not a sorted set.
    await admin.set(key, 'not a sorted set');
    await revokeAll(revoked);
    await expectRefused(revoked);
    // The refused write dropped the key, so a fill could rebuild it from the database.
    await waitFor('the refill', async () => list.inSync && (await inRedis(await jtiOf(revoked.machine))));
    await expectRefused(revoked);
  });

  it('a stalled Redis costs a bearer check at most its timeout, and revocations made meanwhile hold', async (test) => {
    const {
      proxy,
      list,
      worker,
      post,
      issueTokens,
      revokeAll,
      expectRefused,
      expectAccepted,
      jtiOf,
      inRedis,
      warnings,
    } = await revocationServer(test);
    const before = await issueTokens();
    const during = await issueTokens();
    const live = await issueTokens();
    await revokeAll(before);
    await expectAccepted(during);

    proxy.stall();
    const times = [...(await expectRefused(before)), ...(await expectAccepted(live))];
    const revoke = await timed(() => post('/oauth/revoke', worker, { token: during.machine }));
    expect(revoke.result.statusCode).toBe(200);
    times.push(revoke.ms);
    await revokeAll(during);
    times.push(...(await expectRefused(during)));
    for (let i = 0; i < 3; i += 1) times.push(...(await expectRefused(before)));
    // Each request waits for at most the limiter's and the revocation list's Redis timeouts.
    for (const ms of times) expect(ms).toBeLessThan(2 * redisTimeoutMs + slackMs);
    expect(list.inSync).toBe(false);
    // One line per kind: the revocation list's failure and failed refill, the rate limiter's.
    expect(warnings(/redis/i).length).toBeLessThanOrEqual(4);

    proxy.restore();
    await waitFor('the refill after the stall', () => list.inSync);
    for (const token of [during.machine, during.person, during.service])
      expect(await inRedis(await jtiOf(token))).toBe(true);
    await expectRefused(before);
    await expectRefused(during);
    await expectAccepted(live);
  }, 60_000);

  it('a cut Redis answers from the database at once, and the list resyncs when Redis is back', async (test) => {
    const { proxy, key, list, issueTokens, revokeAll, expectRefused, expectAccepted, jtiOf, inRedis } =
      await revocationServer(test);
    const before = await issueTokens();
    const during = await issueTokens();
    const live = await issueTokens();
    await revokeAll(before);

    proxy.cut();
    await waitFor('the client to notice the cut', () => !list.inSync);
    const times = [...(await expectRefused(before)), ...(await expectAccepted(live))];
    await revokeAll(during);
    times.push(...(await expectRefused(during)));
    for (const ms of times) expect(ms).toBeLessThan(2 * redisTimeoutMs + slackMs);
    // Redis still holds its marker but not what was revoked during the cut (like a restart from
    // an older snapshot): the instance must refill before it trusts the set again.
    expect(await admin.zscore(key, 'complete')).not.toBeNull();
    expect(await inRedis(await jtiOf(during.machine))).toBe(false);

    proxy.restore();
    await expectRefused(during);
    await waitFor('the refill after the cut', () => list.inSync);
    for (const token of [during.machine, during.person, during.service])
      expect(await inRedis(await jtiOf(token))).toBe(true);
    await expectRefused(before);
    await expectRefused(during);
    await expectAccepted(live);
  });
});

describe.skipIf(redisUrl === undefined)('the Redis revocation set', () => {
  let redis: Redis;
  const key = `tessera-test:${randomUUID()}:revocations`;
  beforeAll(() => {
    redis = new Redis(redisUrl as string);
  });
  afterEach(() => redis.del(key));
  afterAll(() => redis?.quit());

  it('is complete only after a fill that saw no loss', async () => {
    const set = new RedisRevocationSet(redis, key);
    expect(await set.check('a')).toBe('incomplete');
    const witness = await set.beginFill();
    await set.add([{ jti: 'a', ttlMs: 60_000 }]);
    expect(await set.check('a')).toBe('revoked');
    expect(await set.check('b')).toBe('incomplete');
    expect(await set.completeFill(witness)).toBe(true);
    expect(await set.check('a')).toBe('revoked');
    expect(await set.check('b')).toBe('absent');
  });

  it('refuses to mark the set complete when it was lost during the fill', async () => {
    const set = new RedisRevocationSet(redis, key);
    const witness = await set.beginFill();
    await set.add([{ jti: 'a', ttlMs: 60_000 }]);
    await redis.del(key);
    // A concurrent revocation re-creates the key, without what the fill wrote before the loss.
    await set.add([{ jti: 'b', ttlMs: 60_000 }]);
    expect(await set.completeFill(witness)).toBe(false);
    expect(await set.check('a')).toBe('incomplete');
  });

  it('forgets entries when they expire, by Redis time, and keeps the marker', async () => {
    const set = new RedisRevocationSet(redis, key);
    expect(await set.completeFill(await set.beginFill())).toBe(true);
    await set.add([
      { jti: 'short', ttlMs: 50 },
      { jti: 'long', ttlMs: 60_000 },
    ]);
    await waitFor('expiry', async () => {
      await set.trim();
      return (await set.check('short')) === 'absent';
    });
    expect(await set.check('long')).toBe('revoked');
    expect(await redis.ttl(key)).toBe(-1);
  });

  it('adds many entries in chunks', async () => {
    const set = new RedisRevocationSet(redis, key);
    const witness = await set.beginFill();
    await set.add(Array.from({ length: 2500 }, (_, i) => ({ jti: `t${i}`, ttlMs: 60_000 })));
    expect(await set.completeFill(witness)).toBe(true);
    expect(await redis.zcard(key)).toBe(2501);
    expect(await set.check('t2499')).toBe('revoked');
  });
});
