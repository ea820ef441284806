import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { type MetricsServer, startMetricsServer } from '../../src/http/metrics-server.js';
import { call, eventually, type OutageServer, startOutageServer } from '../faults/outage-server.js';
import { postgresUrl, redisUrl } from '../helpers/databases.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import {
  basic,
  createMachineClient,
  createPerson,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
  testIssuer,
  testSecret,
} from '../helpers/test-server.js';

/** Issue 15, item 8: `/metrics` for operators, in the Prometheus text format, closed to the public. */

const metricsToken = 'metrics-token-0123456789abcdefghijklmnopqrstuvwxyz';
const exposition = 'text/plain; version=0.0.4; charset=utf-8';

/** The value of one series line (`name{labels} value`), or undefined when the body has no such line. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  let server: TestServer | undefined;
  let metricsServer: MetricsServer | undefined;
  afterEach(async () => {
    await metricsServer?.close();
    await server?.close();
    metricsServer = undefined;
    server = undefined;
  });

  const scrape = (authorization?: string) =>
    (server as TestServer).app.inject({
      method: 'GET',
      url: '/metrics',
      headers: authorization === undefined ? {} : { authorization },
    });

  it('is off by default: 404 like any unknown path, and nothing is counted', async () => {
    server = await startTestServer('sqlite');
    expect(server.services.metrics.enabled).toBe(false);
    const response = await scrape(`Bearer ${metricsToken}`);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'not_found', error_description: 'no route for GET /metrics' });
  });

  it('with TESSERA_METRICS_TOKEN: 401 without the token or with another, RFC 6750 challenge', async () => {
    server = await startTestServer('sqlite', { env: { TESSERA_METRICS_TOKEN: metricsToken } });
    const missing = await scrape();
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="tessera"');
    expect(missing.json()).toEqual({
      error: 'invalid_token',
      error_description: 'an access token is required',
    });
    expect((await scrape(`Basic ${Buffer.from(`x:${metricsToken}`).toString('base64')}`)).statusCode).toBe(
      401,
    );
    for (const wrong of [`${metricsToken}x`, metricsToken.slice(0, -1), 'short']) {
      const refused = await scrape(`Bearer ${wrong}`);
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['www-authenticate']).toMatch(/^Bearer realm="tessera", error="invalid_token"/);
      expect(refused.body).not.toContain('tessera_');
    }
    const document = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(document.paths)).not.toContain('/metrics');
  });

  it('counts requests by route pattern, tokens by grant and refusals by reason', async () => {
    server = await startTestServer('sqlite', {
      env: { TESSERA_METRICS_TOKEN: metricsToken, TESSERA_RATE_LIMITS: 'token=1' },
    });
    const { services, app } = server;
    const issue = (clientId: string, secret: string) =>
      app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { ...formHeaders, authorization: basic(clientId, secret) },
        payload: form({ grant_type: 'client_credentials' }),
      });
    const machine = await createMachineClient(services);
    expect((await issue(machine.clientId, machine.clientSecret)).statusCode).toBe(200);
    // token=1: the client's second request in the window is refused.
    expect((await issue(machine.clientId, machine.clientSecret)).statusCode).toBe(429);
    const other = await createMachineClient(services, { name: 'other' });
    expect((await issue(other.clientId, 'not-the-secret')).statusCode).toBe(401);

    // A refresh token replayed after the grace window (10 s) ends its session: reuse detected.
    const { password } = await createPerson(services);
    const signedIn = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'alice', password },
    });
    const first = signedIn.json().refresh_token as string;
    const refresh = (token: string) =>
      app.inject({ method: 'GET', url: '/token', headers: { authorization: `Bearer ${token}` } });
    expect((await refresh(first)).statusCode).toBe(200);
    server.clock.advance(11);
    expect((await refresh(first)).statusCode).toBe(401);

    // Labels never carry the URL: not its query, not an unknown path.
    await app.inject({ method: 'GET', url: '/oauth/jwks?code=query-secret' });
    await app.inject({ method: 'GET', url: '/no/such/path-secret' });

    const response = await scrape(`Bearer ${metricsToken}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(exposition);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.body;
    expect(sample(body, 'tessera_tokens_issued_total{grant_type="client_credentials"}')).toBe(1);
    expect(sample(body, 'tessera_refusals_total{reason="rate_limited"}')).toBe(1);
    expect(sample(body, 'tessera_refusals_total{reason="bad_client_secret"}')).toBe(1);
    expect(sample(body, 'tessera_refusals_total{reason="refresh_reuse"}')).toBe(1);
    expect(sample(body, 'tessera_refusals_total{reason="overloaded"}')).toBe(0);

    const requests = (route: string, method: string, status: number) =>
      sample(
        body,
        `tessera_http_request_duration_seconds_count{route="${route}",method="${method}",status="${status}"}`,
      );
    expect(requests('/oauth/token', 'POST', 200)).toBe(1);
    expect(requests('/oauth/token', 'POST', 429)).toBe(1);
    expect(requests('/oauth/token', 'POST', 401)).toBe(1);
    expect(requests('/token', 'GET', 200)).toBe(1);
    expect(requests('/token', 'GET', 401)).toBe(1);
    expect(requests('/oauth/jwks', 'GET', 200)).toBe(1);
    expect(requests('unmatched', 'GET', 404)).toBe(1);
    // Buckets are cumulative and end with +Inf = count.
    const buckets = body
      .split('\n')
      .filter((l) =>
        l.startsWith(
          'tessera_http_request_duration_seconds_bucket{route="/oauth/token",method="POST",status="200"',
        ),
      )
      .map((l) => Number(l.split(' ')[1]));
    expect(buckets.length).toBeGreaterThan(5);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(buckets.at(-1)).toBe(1);
    expect(body).not.toContain('query-secret');
    expect(body).not.toContain('path-secret');

    // The second and third token requests found the clients cached; the first of each did not.
    expect(sample(body, 'tessera_cache_lookups_total{cache="clients",result="hit"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(sample(body, 'tessera_cache_lookups_total{cache="clients",result="miss"}')).toBeGreaterThanOrEqual(
      2,
    );
    expect(sample(body, 'tessera_cache_entries{cache="clients"}')).toBeGreaterThanOrEqual(2);
    expect(
      sample(body, 'tessera_cache_lookups_total{cache="verified_access_tokens",result="hit"}'),
    ).toBeDefined();
    expect(sample(body, 'tessera_ready')).toBe(1);
    expect(sample(body, 'tessera_dependency_up{dependency="database"}')).toBe(1);
    expect(sample(body, 'tessera_database_errors_total{source="request"}')).toBe(0);
    expect(sample(body, 'tessera_redis_errors_total{source="rate_limiter"}')).toBe(0);
    // The process's own metrics, from prom-client's defaults.
    expect(sample(body, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(body, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(body).toMatch(/^# TYPE tessera_http_request_duration_seconds histogram$/m);

    // Each scrape is counted like any request, after it is answered.
    const again = (await scrape(`Bearer ${metricsToken}`)).body;
    expect(
      sample(
        again,
        'tessera_http_request_duration_seconds_count{route="/metrics",method="GET",status="200"}',
      ),
    ).toBe(1);
  });

  it('with TESSERA_METRICS_ADDRESS: served on its own listener only, not on the main port', async () => {
    server = await startTestServer('sqlite', { env: { TESSERA_METRICS_ADDRESS: '127.0.0.1:0' } });
    const { services } = server;
    expect(services.config.metricsAddress).toEqual({ host: '127.0.0.1', port: 0 });
    metricsServer = await startMetricsServer({
      metrics: services.metrics,
      address: services.config.metricsAddress as { host: string; port: number },
      token: services.config.metricsToken,
      onError: (error) => {
        throw error;
      },
    });
    await server.app.inject({ method: 'GET', url: '/healthz' });
    expect((await scrape()).statusCode).toBe(404);
    const base = `http://127.0.0.1:${metricsServer.port}`;
    const served = await call(base, '/metrics');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe(exposition);
    expect(
      sample(
        served.body,
        'tessera_http_request_duration_seconds_count{route="/healthz",method="GET",status="200"}',
      ),
    ).toBe(1);
    expect((await call(base, '/')).status).toBe(404);
    expect((await call(base, '/metrics', { method: 'POST' })).status).toBe(405);
  });

  it('with both settings: the separate listener asks for the token too, the main port has no /metrics', async () => {
    server = await startTestServer('sqlite', {
      env: { TESSERA_METRICS_ADDRESS: '127.0.0.1:0', TESSERA_METRICS_TOKEN: metricsToken },
    });
    const { services } = server;
    metricsServer = await startMetricsServer({
      metrics: services.metrics,
      address: { host: '127.0.0.1', port: 0 },
      token: services.config.metricsToken,
      onError: () => undefined,
    });
    expect((await scrape(`Bearer ${metricsToken}`)).statusCode).toBe(404);
    const base = `http://127.0.0.1:${metricsServer.port}`;
    const refused = await call(base, '/metrics');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="tessera"');
    expect((await call(base, '/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const served = await call(base, '/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(served.status).toBe(200);
    expect(served.body).toContain('tessera_ready 1');
  });

  it('settings: the token is a secret of ≥ 32 characters, the address is HOST:PORT', () => {
    const load = (env: Record<string, string>) =>
      loadConfig({ TESSERA_ISSUER: testIssuer, TESSERA_SECRET: testSecret, ...env });
    expect(() => load({ TESSERA_METRICS_TOKEN: 'short' })).toThrow(
      /TESSERA_METRICS_TOKEN: must be at least 32/,
    );
    expect(load({ TESSERA_METRICS_ADDRESS: '[::1]:9464' }).metricsAddress).toEqual({
      host: '::1',
      port: 9464,
    });
    expect(load({ TESSERA_METRICS_ADDRESS: '0.0.0.0:9464' }).metricsAddress).toEqual({
      host: '0.0.0.0',
      port: 9464,
    });
    for (const bad of ['9464', ':9464', 'localhost', 'localhost:99999', '[nope]:1', '::1:9464']) {
      expect(() => load({ TESSERA_METRICS_ADDRESS: bad })).toThrow(/TESSERA_METRICS_ADDRESS/);
    }
  });
});

const describeRedis = redisUrl === undefined ? describe.skip : describe;

describeRedis('metrics while Redis is cut', () => {
  let server: TestServer | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    proxy?.restore();
    await server?.close();
    await proxy?.close();
    server = undefined;
    proxy = undefined;
  });

  it('count Redis errors (connection, rate limiter) and report Redis down and the instance not ready', async () => {
    const target = new URL(redisUrl as string);
    proxy = await startTcpProxy(Number(target.port || 6379));
    // A logical database of its own: nothing is written there that another suite reads.
    const url = new URL(proxy.url(redisUrl as string));
    url.pathname = '/5';
    server = await startTestServer('sqlite', {
      // A budget the polling below cannot spend: the limiter is under test, not the limit.
      env: {
        TESSERA_REDIS_URL: url.href,
        TESSERA_METRICS_TOKEN: metricsToken,
        TESSERA_RATE_LIMITS: 'token=100000',
      },
    });
    const current = server;
    const scraped = async () =>
      (
        await current.app.inject({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: `Bearer ${metricsToken}` },
        })
      ).body;
    expect(await eventually(async () => sample(await scraped(), 'tessera_ready') === 1, 10_000)).toBe(true);
    expect(sample(await scraped(), 'tessera_dependency_up{dependency="redis"}')).toBe(1);

    proxy.cut();
    const machine = await createMachineClient(current.services);
    const issue = () =>
      current.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { ...formHeaders, authorization: basic(machine.clientId, machine.clientSecret) },
        payload: form({ grant_type: 'client_credentials' }),
      });
    // The limiter falls back to counting in the process (the default policy): still 200.
    expect(
      await eventually(async () => {
        expect((await issue()).statusCode).toBe(200);
        const body = await scraped();
        return (
          (sample(body, 'tessera_redis_errors_total{source="rate_limiter"}') ?? 0) > 0 &&
          (sample(body, 'tessera_redis_errors_total{source="connection"}') ?? 0) > 0
        );
      }, 15_000),
    ).toBe(true);
    const body = await scraped();
    expect(sample(body, 'tessera_ready')).toBe(0);
    expect(sample(body, 'tessera_dependency_up{dependency="redis"}')).toBe(0);
    expect(sample(body, 'tessera_dependency_up{dependency="database"}')).toBe(1);
    expect(sample(body, 'tessera_revocation_list_redis_in_sync')).toBe(0);

    proxy.restore();
    expect(await eventually(async () => sample(await scraped(), 'tessera_ready') === 1, 15_000)).toBe(true);
  });
});

const describePostgres = postgresUrl === undefined ? describe.skip : describe;

describePostgres('metrics while PostgreSQL is cut [postgres]', () => {
  let server: OutageServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('count the requests answered 503 and report the database down', async () => {
    server = await startOutageServer({ TESSERA_METRICS_TOKEN: metricsToken });
    const { baseUrl, proxy } = server;
    const scraped = async () =>
      (await call(baseUrl, '/metrics', { headers: { authorization: `Bearer ${metricsToken}` } })).body;
    expect(sample(await scraped(), 'tessera_ready')).toBe(1);
    const machine = await createMachineClient(server.services);

    proxy.cut();
    // The outage server caches no client: the token endpoint reads the database and answers 503.
    const answer = await call(baseUrl, '/oauth/token', {
      method: 'POST',
      headers: { ...formHeaders, authorization: basic(machine.clientId, machine.clientSecret) },
      body: form({ grant_type: 'client_credentials' }),
    });
    expect(answer.status).toBe(503);
    const body = await scraped();
    expect(sample(body, 'tessera_database_errors_total{source="request"}')).toBeGreaterThanOrEqual(1);
    expect(sample(body, 'tessera_ready')).toBe(0);
    expect(sample(body, 'tessera_dependency_up{dependency="database"}')).toBe(0);
    expect(
      sample(
        body,
        'tessera_http_request_duration_seconds_count{route="/oauth/token",method="POST",status="503"}',
      ),
    ).toBe(1);

    proxy.restore();
    expect(await eventually(async () => sample(await scraped(), 'tessera_ready') === 1, 15_000)).toBe(true);
  });
});
