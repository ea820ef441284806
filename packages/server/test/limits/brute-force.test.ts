import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import {
  basic,
  createPerson,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
  testServerFor,
} from '../helpers/test-server.js';

const password = 'correct horse battery';

/** POST /login to `server`, as if from `remoteAddress`. */
const loginTo = (server: TestServer) => (remoteAddress: string, username: string, secret: string) =>
  server.app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress,
    payload: { username, password: secret },
  });

/**
 * Issue 14: a growing backoff per username + address across every password door, a budget per
 * address across usernames, and password checks shed rather than queued without bound.
 *
 * The backoffs and held refusals are real seconds: the tests wait them out side by side, each
 * with a server of its own.
 */
describeEachDialect('sign-in brute-force defence', { concurrent: true }, (dialect) => {
  it('backs off one username from one address, across doors, while the owner signs in from elsewhere', async (test) => {
    const server = await testServerFor(test, dialect, { env: { TESSERA_RATE_LIMITS: 'login_failures=2' } });
    const login = loginTo(server);
    await createPerson(server.services);
    const attacker = '127.0.0.2';
    // Two free failures, then each failure closes the pair for twice as long: 1 s, 2 s, 4 s.
    expect((await login(attacker, 'alice', 'guess')).statusCode).toBe(401);
    expect((await login(attacker, 'alice', 'guess')).statusCode).toBe(401);
    for (const backoff of [1, 2]) {
      expect((await login(attacker, 'alice', 'guess')).statusCode).toBe(401);
      await sleep(backoff * 1000 + 100);
    }
    expect((await login(attacker, 'alice', 'guess')).statusCode).toBe(401);

    // Closed for 4 s now: the right password from the same address is refused at every door (the
    // browser form and the password grant share the backoff with the session API).
    const personal = await server.services.clients.create(
      { name: 'personal', type: 'confidential', grantTypes: ['password'], ownerUsername: 'alice' },
      { actor: 'test' },
    );
    const [refused, grant] = await Promise.all([
      login(attacker, 'ALICE', password),
      server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress: attacker,
        headers: { ...formHeaders, authorization: basic(personal.client.id, personal.secret as string) },
        payload: form({ grant_type: 'password', username: 'alice', password }),
      }),
    ]);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      errors: [
        {
          message: 'too many failed sign-ins; wait before trying again',
          extensions: { code: 'RATE_LIMITED' },
        },
      ],
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(3);
    expect(grant.statusCode).toBe(429);
    expect(grant.json().error).toBe('temporarily_unavailable');

    // The owner, from their own address, is not locked out.
    expect((await login('127.0.0.3', 'alice', password)).statusCode).toBe(200);

    // Honouring Retry-After: the right password then succeeds and clears the count.
    await waitFor(refused);
    expect((await login(attacker, 'alice', password)).statusCode).toBe(200);
    expect((await login(attacker, 'alice', 'guess')).statusCode).toBe(401);
    expect((await login(attacker, 'alice', password)).statusCode).toBe(200);
  });

  it('a refusal is held up to a second before it is answered, so a flood gets few answers', async (test) => {
    const server = await testServerFor(test, dialect, { env: { TESSERA_RATE_LIMITS: 'login=1' } });
    const login = loginTo(server);
    expect((await login('127.0.0.9', 'nobody', 'guess')).statusCode).toBe(401);
    const started = Date.now();
    expect((await login('127.0.0.9', 'nobody', 'guess')).statusCode).toBe(429);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('the backoff doubles with each further failure and is audited', async (test) => {
    const server = await testServerFor(test, dialect, { env: { TESSERA_RATE_LIMITS: 'login_failures=1' } });
    const login = loginTo(server);
    await createPerson(server.services);
    const attacker = '127.0.0.5';
    expect((await login(attacker, 'alice', 'guess')).statusCode).toBe(401);
    expect((await login(attacker, 'alice', 'guess')).statusCode).toBe(401); // backoff 1 s
    const first = await login(attacker, 'alice', 'guess');
    expect(first.statusCode).toBe(429);
    await waitFor(first);
    expect((await login(attacker, 'alice', 'guess')).statusCode).toBe(401); // backoff 2 s
    const second = await login(attacker, 'alice', 'guess');
    expect(second.statusCode).toBe(429);
    expect(Number(second.headers['retry-after'])).toBe(2);

    const events = (await server.services.audit.tail(20)).filter((e) => e.type === 'login.failed');
    const backoffs = events.map((e) => e.details.backoff_seconds).filter((s) => s !== undefined);
    expect(backoffs.sort()).toEqual([1, 2]);
  });

  it('concurrent guesses cannot slip through together: each is counted before its password is checked', async (test) => {
    const server = await testServerFor(test, dialect, { env: { TESSERA_RATE_LIMITS: 'login_failures=2' } });
    const login = loginTo(server);
    await createPerson(server.services);
    const statuses = await Promise.all(
      Array.from({ length: 16 }, () => login('127.0.0.8', 'alice', 'guess').then((r) => r.statusCode)),
    );
    // The two free failures and one more past them; every other guess waits for the backoff.
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(13);
  });

  it('limits failures per address across usernames (password spraying)', async (test) => {
    const server = await testServerFor(test, dialect, { env: { TESSERA_RATE_LIMITS: 'ip_failures=3' } });
    const login = loginTo(server);
    await createPerson(server.services);
    const sprayer = '127.0.0.6';
    for (const username of ['bob', 'carol', 'dave']) {
      expect((await login(sprayer, username, 'Winter2026!')).statusCode).toBe(401);
    }
    const refused = await login(sprayer, 'alice', password);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().errors[0].message).toBe('too many failed sign-ins from this address');
    expect((await login('127.0.0.7', 'alice', password)).statusCode).toBe(200);
  });
});

// Sequential, so after the concurrent suites above have finished: the password-check slots are
// per process, and with no queue at all another test's checks holding them would shed every
// attempt here.
describeEachDialect('load shedding of password checks', (dialect) => {
  let server: TestServer;
  afterEach(() => server.close());

  it('answers 503 with Retry-After at once past the queue bound, and never a 500', async () => {
    server = await startTestServer(dialect, {
      env: { TESSERA_PASSWORD_HASH_QUEUE: '0', TESSERA_RATE_LIMITING: 'false' },
    });
    await createPerson(server.services);
    const attempts = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        server.app.inject({
          method: 'POST',
          url: '/login',
          payload: { username: i % 2 === 0 ? 'alice' : 'nobody', password: 'guess' },
        }),
      ),
    );
    const statuses = attempts.map((r) => r.statusCode);
    expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
    expect(statuses).toContain(401);
    expect(statuses).toContain(503);
    const shed = attempts.find((r) => r.statusCode === 503) as LightMyRequestResponse;
    expect(shed.json().errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(shed.headers['retry-after']).toBe('1');
  });
});

async function waitFor(response: LightMyRequestResponse): Promise<void> {
  const seconds = Number(response.headers['retry-after']);
  expect(seconds).toBeGreaterThanOrEqual(1);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 50));
}
