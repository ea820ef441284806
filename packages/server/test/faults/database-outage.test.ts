import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/databases.js';
import { basic, createMachineClient, createPerson, form, formHeaders } from '../helpers/test-server.js';
import {
  type Answer,
  call,
  connectTimeoutMs,
  eventually,
  type OutageServer,
  startOutageServer,
  statementTimeoutMs,
} from './outage-server.js';

/**
 * Issue 15, item 1: a PostgreSQL fault never crashes the process nor answers 500. While the
 * database is away every route answers 503 with `Retry-After` in its own error shape, within the
 * configured timeouts; when it is back, requests succeed again without a restart.
 */

type Family = 'oauth' | 'session' | 'page';

interface Route {
  readonly name: string;
  readonly family: Family;
  readonly send: () => Promise<Answer>;
}

/**
 * The slowest a request may be answered while the database is stalled: waiting for a connection
 * (connect timeout) or for a query's answer (statement timeout plus the second after which it is
 * abandoned), with a wide margin for a loaded 2-core machine.
 */
const stalledAnswerBoundMs = connectTimeoutMs + statementTimeoutMs + 1000 + 4000;

const describePostgres = postgresUrl === undefined ? describe.skip : describe;

describePostgres('a PostgreSQL outage [postgres]', () => {
  let server: OutageServer;
  let routes: Route[];

  beforeEach(async () => {
    server = await startOutageServer();
    const { services, baseUrl } = server;
    const { clientId, clientSecret } = await createMachineClient(services);
    await createPerson(services);
    const login = () =>
      call(baseUrl, '/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'correct horse battery' }),
      });
    const signedIn = await login();
    expect(signedIn.status).toBe(200);
    const accessToken = (JSON.parse(signedIn.body) as { access_token: string }).access_token;
    routes = [
      {
        name: 'POST /oauth/token',
        family: 'oauth',
        send: () =>
          call(baseUrl, '/oauth/token', {
            method: 'POST',
            headers: { ...formHeaders, authorization: basic(clientId, clientSecret) },
            body: form({ grant_type: 'client_credentials' }),
          }),
      },
      { name: 'POST /login', family: 'session', send: login },
      {
        name: 'GET /me',
        family: 'session',
        send: () => call(baseUrl, '/me', { headers: { authorization: `Bearer ${accessToken}` } }),
      },
      {
        name: 'GET /signin',
        family: 'page',
        // An interaction id is looked up in the database, found or not.
        send: () => call(baseUrl, '/signin?interaction=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'),
      },
    ];
    for (const route of routes) expect((await route.send()).status, route.name).toBe(200);
  });

  afterEach(async () => {
    await server?.close();
  });

  it('survives its idle connections being terminated, and the next requests succeed', async () => {
    // Several requests at once leave several idle connections in the pool.
    await Promise.all([...routes, ...routes].map((route) => route.send()));
    const terminated = await terminateBackends(server.applicationName);
    expect(terminated).toBeGreaterThan(0);
    expect(
      await eventually(() => server.logs.some((l) => l.includes('database connection lost')), 5000),
    ).toBe(true);
    for (const route of routes) {
      const answer = await route.send();
      expect(answer.status, `${route.name}: ${answer.body}`).toBe(200);
    }
    expect((await call(server.baseUrl, '/readyz')).status).toBe(200);
    expectCleanLogs(server);
  });

  it('answers only 200 or a well-formed 503 while backends are terminated under load', async () => {
    const stream = startStream(routes);
    for (let round = 0; round < 3; round += 1) {
      await stream.waitForAnswers(2);
      await terminateBackends(server.applicationName);
    }
    const since = performance.now();
    expect(await eventually(() => stream.allSucceededSince(since), 15_000)).toBe(true);
    const answers = await stream.stop();
    expectOnlySuccessOrUnavailable(answers);
    expectCleanLogs(server);
  });

  it('answers 503 with Retry-After in each route’s shape while the database is cut, and recovers by itself', async () => {
    const stream = startStream(routes);
    await stream.waitForAnswers(1);
    server.proxy.cut();
    const cutAt = performance.now();

    const ready = await call(server.baseUrl, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('cache-control')).toBe('no-store');
    expect(JSON.parse(ready.body)).toEqual({ status: 'unavailable', checks: { database: 'unavailable' } });
    const health = await call(server.baseUrl, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });

    // Every route is seen failing a few times after the cut before the database comes back.
    expect(await eventually(() => stream.everyRouteAnsweredSince(cutAt, 3), 20_000)).toBe(true);
    server.proxy.restore();
    const restoredAt = performance.now();
    expect(await eventually(() => stream.allSucceededSince(restoredAt), 20_000)).toBe(true);
    const answers = await stream.stop();

    expectOnlySuccessOrUnavailable(answers);
    const duringCut = answers.filter((a) => a.sentAt > cutAt && a.sentAt + a.answer.ms < restoredAt);
    for (const route of routes) {
      const seen = duringCut.filter((a) => a.route === route);
      expect(seen.length, route.name).toBeGreaterThanOrEqual(3);
      for (const { answer } of seen) expect(answer.status, `${route.name}: ${answer.body}`).toBe(503);
    }
    expect((await call(server.baseUrl, '/readyz')).status).toBe(200);
    expectCleanLogs(server);
  });

  it('answers a stalled database with 503 within the timeouts, never a hang', async () => {
    // Idle connections in the pool that will stall too, besides the new ones that cannot open.
    await Promise.all([...routes, ...routes].map((route) => route.send()));
    server.proxy.stall();

    const health = await call(server.baseUrl, '/healthz');
    expect(health.status).toBe(200);
    const [ready, ...answers] = await Promise.all([
      call(server.baseUrl, '/readyz'),
      ...[...routes, ...routes].map((route) => route.send()),
    ]);
    expect(ready?.status).toBe(503);
    expect(JSON.parse(ready?.body ?? '')).toEqual({
      status: 'unavailable',
      checks: { database: 'unavailable' },
    });
    expect(ready?.ms).toBeLessThan(stalledAnswerBoundMs);
    answers.forEach((answer, i) => {
      const route = routes[i % routes.length] as Route;
      expectUnavailable(route, answer);
      expect(answer.ms, route.name).toBeLessThan(stalledAnswerBoundMs);
    });

    server.proxy.restore();
    expect(
      await eventually(async () => {
        const results = await Promise.all(routes.map((route) => route.send()));
        return results.every((answer) => answer.status === 200);
      }, 20_000),
    ).toBe(true);
    expect((await call(server.baseUrl, '/readyz')).status).toBe(200);
    expectCleanLogs(server);
  });
});

interface Sent {
  readonly route: Route;
  /** performance.now() when the request was sent. */
  readonly sentAt: number;
  readonly answer: Answer;
}

/** One request loop per route, each sending its next request when the previous one is answered. */
function startStream(routes: readonly Route[]) {
  const answers: Sent[] = [];
  let stopped = false;
  const loops = routes.map(async (route) => {
    while (!stopped) {
      const sentAt = performance.now();
      answers.push({ route, sentAt, answer: await route.send() });
    }
  });
  const countSince = (route: Route, since: number) =>
    answers.filter((a) => a.route === route && a.sentAt > since).length;
  return {
    async waitForAnswers(count: number) {
      const since = performance.now();
      await eventually(() => routes.every((route) => countSince(route, since) >= count), 20_000);
    },
    everyRouteAnsweredSince: (since: number, count: number) =>
      routes.every((route) => countSince(route, since) >= count),
    /** Whether every route's latest answer, sent after `since`, was a success. */
    allSucceededSince: (since: number) =>
      routes.every((route) => {
        const latest = answers.filter((a) => a.route === route && a.sentAt > since).at(-1);
        return latest?.answer.status === 200;
      }),
    async stop(): Promise<Sent[]> {
      stopped = true;
      await Promise.all(loops);
      return answers;
    },
  };
}

function expectOnlySuccessOrUnavailable(answers: readonly Sent[]): void {
  for (const { route, answer } of answers) {
    if (answer.status === 200) continue;
    expectUnavailable(route, answer);
  }
}

/** 503, `Retry-After`, no caching, and the body every client of that route family already parses. */
function expectUnavailable(route: Route, answer: Answer): void {
  expect(answer.status, `${route.name}: ${answer.body}`).toBe(503);
  expect(Number(answer.headers.get('retry-after')), route.name).toBeGreaterThan(0);
  expect(answer.headers.get('cache-control'), route.name).toBe('no-store');
  if (route.family === 'oauth') {
    expect(JSON.parse(answer.body)).toEqual({
      error: 'temporarily_unavailable',
      error_description: expect.any(String),
    });
  } else if (route.family === 'session') {
    expect(JSON.parse(answer.body)).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: 'SERVICE_UNAVAILABLE' } }],
    });
  } else {
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.body).toContain('Temporarily unavailable');
  }
}

/** No 500 was logged, an outage was logged a few times at most, and never a connection string. */
function expectCleanLogs(server: OutageServer): void {
  const lines = server.logs;
  expect(lines.filter((l) => l.includes('unhandled error'))).toEqual([]);
  expect(lines.filter((l) => l.includes('postgres://'))).toEqual([]);
  // One line per burst (5 s) per source: the pool's listener and the HTTP answers.
  expect(lines.filter((l) => l.includes('dependency unavailable')).length).toBeLessThanOrEqual(6);
  expect(lines.filter((l) => l.includes('database connection lost')).length).toBeLessThanOrEqual(6);
}

/** Terminates the server's backends, waiting until each is gone; returns how many there were. */
async function terminateBackends(applicationName: string): Promise<number> {
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ gone: boolean }>(
      'select pg_terminate_backend(pid, 5000) as gone from pg_stat_activity where application_name = $1',
      [applicationName],
    );
    return rows.filter((row) => row.gone).length;
  } finally {
    await admin.end();
  }
}
