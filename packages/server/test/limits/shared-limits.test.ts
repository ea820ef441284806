import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { redisUrl } from '../helpers/databases.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Issue 14: one budget shared by every instance through Redis, and the documented policy while
 * Redis cannot answer (fall back to counting in-process, or refuse) — never a 5xx, never a hang.
 */
const describeRedis = redisUrl === undefined ? describe.skip : describe;

describeRedis('rate limits shared through Redis', () => {
  const servers: TestServer[] = [];
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await proxy?.close();
    proxy = undefined;
  });

  /** Instances of one deployment: the same Redis and key prefix, each with its own database. */
  async function deployment(count: number, env: Record<string, string>, url = redisUrl as string) {
    const prefix = `tessera-test:${randomUUID()}:`;
    for (let i = 0; i < count; i += 1) {
      servers.push(
        await startTestServer('sqlite', {
          env: { TESSERA_REDIS_URL: url, TESSERA_REDIS_PREFIX: prefix, TESSERA_REDIS_TIMEOUT: '300', ...env },
        }),
      );
    }
    // Both connected before the first request, so no count falls back to a process while connecting.
    await Promise.all(servers.map((s) => waitUntil(() => s.services.redis?.status === 'ready')));
    return servers;
  }
  const page = (server: TestServer) =>
    server.app
      .inject({ method: 'GET', url: '/signin', remoteAddress: '127.0.0.9' })
      .then((r) => r.statusCode);

  it('two instances spend one budget: together they never let more through than the limit', async () => {
    const [a, b] = (await deployment(2, { TESSERA_RATE_LIMITS: 'pages=10' })) as [TestServer, TestServer];
    const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => page(i % 2 === 0 ? a : b)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  });

  it('local policy: with Redis gone each instance counts for itself, and the shared count resumes', async () => {
    proxy = await startTcpProxy(Number(new URL(redisUrl as string).port || 6379));
    const [a] = (await deployment(1, { TESSERA_RATE_LIMITS: 'pages=3' }, proxy.url(redisUrl as string))) as [
      TestServer,
    ];
    expect(await page(a)).toBe(200);
    proxy.cut();
    // In-process from here: a fresh count of 3, then refusals; never a 5xx.
    expect([await page(a), await page(a), await page(a), await page(a)]).toEqual([200, 200, 200, 429]);
    expect(a.services.limiterHealth.redisFailures).toBeGreaterThan(0);
    expect(
      a.logs.some((line) => line.includes('rate limits: redis unavailable, counting in this process')),
    ).toBe(true);

    proxy.restore();
    await waitUntil(() => a.services.redis?.status === 'ready');
    // Back on the shared count, which still holds the one request made before the cut.
    expect([await page(a), await page(a), await page(a)]).toEqual([200, 200, 429]);
  });

  it('a stalled Redis costs a request the command timeout, not a hang', async () => {
    proxy = await startTcpProxy(Number(new URL(redisUrl as string).port || 6379));
    const [a] = (await deployment(1, { TESSERA_RATE_LIMITS: 'pages=30' }, proxy.url(redisUrl as string))) as [
      TestServer,
    ];
    proxy.stall();
    const started = Date.now();
    expect(await page(a)).toBe(200);
    // The 300 ms timeout, with room for a loaded machine; a hang would take ioredis's 10 s and more.
    expect(Date.now() - started).toBeLessThan(3000);
    // Then the fallback is used at once for a while: five more requests do not wait 5 × 300 ms.
    const next = Date.now();
    for (let i = 0; i < 5; i += 1) expect(await page(a)).toBe(200);
    expect(Date.now() - next).toBeLessThan(1200);
    proxy.restore();
  });

  it('refuse policy: while Redis cannot answer, limited requests get 503 with Retry-After', async () => {
    proxy = await startTcpProxy(Number(new URL(redisUrl as string).port || 6379));
    const [a] = (await deployment(
      1,
      { TESSERA_RATE_LIMITS: 'pages=3', TESSERA_RATE_LIMIT_REDIS_FAILURE: 'refuse' },
      proxy.url(redisUrl as string),
    )) as [TestServer];
    expect(await page(a)).toBe(200);
    proxy.cut();
    const refused = await a.app.inject({ method: 'GET', url: '/signin' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    const login = await a.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'a', password: 'b' },
    });
    expect(login.statusCode).toBe(503);
    expect(login.json().errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    // Unlimited routes do not depend on Redis.
    expect((await a.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).statusCode).toBe(
      200,
    );

    proxy.restore();
    await waitUntil(() => a.services.redis?.status === 'ready');
    expect(await page(a)).toBe(200);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
