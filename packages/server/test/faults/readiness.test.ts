import { afterEach, describe, expect, it } from 'vitest';
import { describeEachDialect, redisUrl } from '../helpers/databases.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { eventually } from './outage-server.js';

/** Issue 15, item 1: `/healthz` says the process lives, `/readyz` that its dependencies answer. */
describeEachDialect('GET /healthz and /readyz', (dialect) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('are 200 when the database answers', async () => {
    server = await startTestServer(dialect);
    const health = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.headers['cache-control']).toBe('no-store');
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });

  it('are listed in the OpenAPI document', async () => {
    server = await startTestServer(dialect);
    const document = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    expect(Object.keys(document.paths['/readyz'].get.responses).sort()).toEqual(['200', '503']);
  });
});

const describeRedis = redisUrl === undefined ? describe.skip : describe;

describeRedis('GET /readyz with Redis configured', () => {
  let server: TestServer | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    proxy?.restore();
    await server?.close();
    await proxy?.close();
    server = undefined;
    proxy = undefined;
  });

  it('is 503 naming Redis while Redis is cut, and 200 again once it is back', async () => {
    const target = new URL(redisUrl as string);
    proxy = await startTcpProxy(Number(target.port || 6379));
    // A logical database of its own: nothing is written there that another suite reads.
    const url = new URL(proxy.url(redisUrl as string));
    url.pathname = '/5';
    server = await startTestServer('sqlite', {
      env: { TESSERA_REDIS_URL: url.href, TESSERA_RATE_LIMITING: 'false' },
    });
    const readiness = async () => {
      const answer = await (server as TestServer).app.inject({ method: 'GET', url: '/readyz' });
      return { status: answer.statusCode, body: answer.json() as unknown };
    };
    expect(await eventually(async () => (await readiness()).status === 200, 10_000)).toBe(true);
    expect((await readiness()).body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });

    proxy.cut();
    expect(await eventually(async () => (await readiness()).status === 503, 10_000)).toBe(true);
    expect((await readiness()).body).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', redis: 'unavailable' },
    });
    const health = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);

    proxy.restore();
    // ioredis reconnects on its own backoff (at most 5 s between attempts).
    expect(await eventually(async () => (await readiness()).status === 200, 15_000)).toBe(true);
  });

  it('is 503 within its timeout while Redis is stalled', async () => {
    const target = new URL(redisUrl as string);
    proxy = await startTcpProxy(Number(target.port || 6379));
    const url = new URL(proxy.url(redisUrl as string));
    url.pathname = '/5';
    server = await startTestServer('sqlite', {
      env: { TESSERA_REDIS_URL: url.href, TESSERA_RATE_LIMITING: 'false' },
    });
    const app = server.app;
    expect(
      await eventually(
        async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200,
        10_000,
      ),
    ).toBe(true);
    proxy.stall();
    const started = performance.now();
    const answer = await app.inject({ method: 'GET', url: '/readyz' });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', redis: 'unavailable' },
    });
    // The readiness timeout is 2 s; the margin is for a loaded machine.
    expect(performance.now() - started).toBeLessThan(6000);
  });
});
