import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it, type TestContext } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import {
  basic,
  createMachineClient,
  createPerson,
  form,
  formHeaders,
  type TestServer,
  testServerFor,
} from '../helpers/test-server.js';

/** Issue 14: SPEC's rate limits on every route family, their headers and their refusals. */

function expectLimitHeaders(response: LightMyRequestResponse, limit: number, remaining: number) {
  expect(response.headers['x-ratelimit-limit']).toBe(String(limit));
  expect(response.headers['x-ratelimit-remaining']).toBe(String(remaining));
  const reset = Number(response.headers['x-ratelimit-reset']);
  const now = Date.now() / 1000;
  // Epoch seconds, at the end of the current window.
  expect(reset).toBeGreaterThan(now - 1);
  expect(reset).toBeLessThanOrEqual(Math.ceil(now) + 61);
}

function retryAfter(response: LightMyRequestResponse): number {
  const value = Number(response.headers['retry-after']);
  expect(Number.isInteger(value) && value >= 1).toBe(true);
  return value;
}

// Refusals are held up to a second before they are answered, and one test waits out a window:
// the tests wait side by side, each with a server of its own.
describeEachDialect('rate limits per route family', { concurrent: true }, (dialect) => {
  /** A server with these limits for `test`, and a client-credentials request to it. */
  const start = async (test: TestContext, limits: string, env: Record<string, string> = {}) => {
    const server = await testServerFor(test, dialect, { env: { TESSERA_RATE_LIMITS: limits, ...env } });
    const clientCredentials = (clientId: string, secret: string, remoteAddress = '127.0.0.1') =>
      server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress,
        headers: { ...formHeaders, authorization: basic(clientId, secret) },
        payload: form({ grant_type: 'client_credentials' }),
      });
    return { server, clientCredentials };
  };

  it('/oauth/token: the claimed client is counted, bad secrets included, and refused in RFC 6749 JSON', async (test) => {
    const { server, clientCredentials } = await start(test, 'token=3');
    const client = await createMachineClient(server.services);
    const first = await clientCredentials(client.clientId, client.clientSecret);
    expect(first.statusCode).toBe(200);
    expectLimitHeaders(first, 3, 2);
    // A flood of wrong secrets spends the same client's budget.
    const wrong = await clientCredentials(client.clientId, 'not-the-secret');
    expect(wrong.statusCode).toBe(401);
    expectLimitHeaders(wrong, 3, 1);
    expect((await clientCredentials(client.clientId, client.clientSecret)).statusCode).toBe(200);

    const refused = await clientCredentials(client.clientId, client.clientSecret);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'rate limit exceeded: 3 requests per 60 seconds',
    });
    expect(refused.headers['cache-control']).toBe('no-store');
    expectLimitHeaders(refused, 3, 0);
    expect(retryAfter(refused)).toBeLessThanOrEqual(60);

    // Another client has its own budget.
    const other = await createMachineClient(server.services, { name: 'other' });
    expect((await clientCredentials(other.clientId, other.clientSecret)).statusCode).toBe(200);
  });

  it('/oauth/token: made-up client ids share one budget per address, not one each', async (test) => {
    const { clientCredentials } = await start(test, 'token=2');
    const unknown = (n: number, address: string) =>
      clientCredentials(`made-up-${n}`, 'secret', address).then((r) => r.statusCode);
    expect([await unknown(1, '127.0.0.7'), await unknown(2, '127.0.0.7')]).toEqual([401, 401]);
    expect(await unknown(3, '127.0.0.7')).toBe(429);
    expect(await unknown(4, '127.0.0.8')).toBe(401);
  });

  it('/oauth/revoke and /oauth/introspect are counted per client, client_id in the body included', async (test) => {
    const { server } = await start(test, 'revoke=1,introspect=1');
    const client = await createMachineClient(server.services);
    const call = (url: string) =>
      server.app.inject({
        method: 'POST',
        url,
        headers: formHeaders,
        payload: form({ token: 'x', client_id: client.clientId, client_secret: client.clientSecret }),
      });
    for (const url of ['/oauth/revoke', '/oauth/introspect']) {
      expect((await call(url)).statusCode).toBe(200);
      const refused = await call(url);
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error).toBe('temporarily_unavailable');
    }
  });

  it('/oauth/userinfo and /me are counted per token; a service account has its own budget', async (test) => {
    const { server } = await start(test, 'userinfo=1,me=1,service_account=2');
    await createPerson(server.services);
    const login = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'alice', password: 'correct horse battery' },
    });
    const token = login.json().access_token as string;
    const me = (bearer: string) =>
      server.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${bearer}` } });
    const first = await me(token);
    expect(first.statusCode).toBe(200);
    expectLimitHeaders(first, 1, 0);
    const refused = await me(token);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      errors: [
        { message: 'rate limit exceeded: 1 requests per 60 seconds', extensions: { code: 'RATE_LIMITED' } },
      ],
    });
    retryAfter(refused);

    const userinfo = (bearer: string) =>
      server.app.inject({
        method: 'GET',
        url: '/oauth/userinfo',
        headers: { authorization: `Bearer ${bearer}` },
      });
    // Its own budget per route: /me's refusals do not spend userinfo's.
    expect((await userinfo(token)).statusCode).not.toBe(429);
    const limited = await userinfo(token);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toBe('temporarily_unavailable');

    // A service account's long-lived token: the higher service_account budget on /me.
    await server.services.users.createServiceAccount({ name: 'robot' }, { actor: 'test' });
    const robot = (await server.services.users.issueServiceToken('robot', 30, { actor: 'test' })).accessToken
      .token;
    const robotMe = await me(robot);
    expect(robotMe.statusCode).toBe(200);
    expectLimitHeaders(robotMe, 2, 1);
  });

  it('/login is counted per address and refused in the session envelope', async (test) => {
    const { server } = await start(test, 'login=2');
    const login = (remoteAddress: string) =>
      server.app.inject({
        method: 'POST',
        url: '/login',
        remoteAddress,
        payload: { username: 'nobody', password: 'whatever' },
      });
    expect((await login('127.0.0.3')).statusCode).toBe(401);
    expect((await login('127.0.0.3')).statusCode).toBe(401);
    const refused = await login('127.0.0.3');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().errors[0].extensions.code).toBe('RATE_LIMITED');
    expectLimitHeaders(refused, 2, 0);
    expect((await login('127.0.0.4')).statusCode).toBe(401);
  });

  it('pages and /oauth/authorize are counted per address and refused with an HTML page', async (test) => {
    const { server } = await start(test, 'pages=1,authorize=1');
    const signin = await server.app.inject({ method: 'GET', url: '/signin' });
    expect(signin.headers['x-ratelimit-limit']).toBe('1');
    const refused = await server.app.inject({ method: 'GET', url: '/signin' });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.headers['content-security-policy']).toContain("default-src 'self'");
    expect(refused.body).toContain('Too many attempts');
    retryAfter(refused);

    const authorize = () => server.app.inject({ method: 'GET', url: '/oauth/authorize?client_id=x' });
    expect((await authorize()).statusCode).toBe(400);
    expect((await authorize()).statusCode).toBe(429);
  });

  it('a client tier or own limit replaces the default; an unlimited client carries no limit headers', async (test) => {
    const { server, clientCredentials } = await start(test, 'token=1');
    const tiered = await createMachineClient(server.services, { name: 'tiered' });
    await server.services.clients.update(
      tiered.clientId,
      { rateLimitTier: 'professional' },
      { actor: 'test' },
    );
    const ok = await clientCredentials(tiered.clientId, tiered.clientSecret);
    expectLimitHeaders(ok, 1000, 999);

    const own = await createMachineClient(server.services, { name: 'own' });
    await server.services.clients.update(
      own.clientId,
      { rateLimitTier: 'starter', rateLimit: 2 },
      { actor: 'test' },
    );
    expect((await clientCredentials(own.clientId, own.clientSecret)).headers['x-ratelimit-limit']).toBe('2');

    const free = await createMachineClient(server.services, { name: 'free' });
    await server.services.clients.update(free.clientId, { rateLimitTier: 'unlimited' }, { actor: 'test' });
    for (let i = 0; i < 3; i += 1) {
      const response = await clientCredentials(free.clientId, free.clientSecret);
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    }
    await expect(
      server.services.clients.update(free.clientId, { rateLimitTier: 'platinum' }, { actor: 'test' }),
    ).rejects.toThrow(/the rate-limit tier must be one of starter, professional, unlimited/);
  });

  it('the next request after Retry-After succeeds', async (test) => {
    const { server, clientCredentials } = await start(test, 'token=1', { TESSERA_RATE_LIMIT_WINDOW: '1' });
    const client = await createMachineClient(server.services);
    expect((await clientCredentials(client.clientId, client.clientSecret)).statusCode).toBe(200);
    const refused = await clientCredentials(client.clientId, client.clientSecret);
    expect(refused.statusCode).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, retryAfter(refused) * 1000));
    expect((await clientCredentials(client.clientId, client.clientSecret)).statusCode).toBe(200);
  });
});

describe('client addresses', { concurrent: true }, () => {
  /** POST /login to `server` as if from `remoteAddress`, through a proxy when `forwardedFor` is given. */
  const loginTo = (server: TestServer) => (remoteAddress: string, forwardedFor?: string) =>
    server.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress,
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
      payload: { username: 'nobody', password: 'whatever' },
    });

  it('IPv6 addresses are counted per /64', async (test) => {
    const login = loginTo(await testServerFor(test, 'sqlite', { env: { TESSERA_RATE_LIMITS: 'login=1' } }));
    expect((await login('2001:db8:1:2::1')).statusCode).toBe(401);
    expect((await login('2001:db8:1:2:ffff::9')).statusCode).toBe(429);
    expect((await login('2001:db8:1:3::1')).statusCode).toBe(401);
  });

  it('X-Forwarded-For names the client only with TESSERA_TRUST_PROXY', async (test) => {
    const untrusting = loginTo(
      await testServerFor(test, 'sqlite', { env: { TESSERA_RATE_LIMITS: 'login=1' } }),
    );
    expect((await untrusting('127.0.0.1', '203.0.113.1')).statusCode).toBe(401);
    // Not trusted: a new forwarded address is the same proxy client.
    expect((await untrusting('127.0.0.1', '203.0.113.2')).statusCode).toBe(429);

    const login = loginTo(
      await testServerFor(test, 'sqlite', {
        env: { TESSERA_RATE_LIMITS: 'login=1', TESSERA_TRUST_PROXY: 'true' },
      }),
    );
    expect((await login('127.0.0.1', '203.0.113.1')).statusCode).toBe(401);
    expect((await login('127.0.0.1', '203.0.113.2')).statusCode).toBe(401);
    expect((await login('127.0.0.1', '203.0.113.1')).statusCode).toBe(429);
  });

  it('TESSERA_RATE_LIMITING=false turns every limit off', async (test) => {
    const login = loginTo(
      await testServerFor(test, 'sqlite', {
        env: { TESSERA_RATE_LIMITS: 'login=1', TESSERA_RATE_LIMITING: 'false' },
      }),
    );
    for (let i = 0; i < 3; i += 1) {
      const response = await login('127.0.0.1');
      expect(response.statusCode).toBe(401);
      expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });
});
