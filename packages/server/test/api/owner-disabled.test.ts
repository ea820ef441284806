import { randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { loadConfig } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import type { App } from '../../src/http/types.js';
import { systemClock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/logger.js';
import { createServices, prepareStorage, type Services } from '../../src/services.js';
import { capture } from '../helpers/capture.js';
import { describeEachDialect, postgresUrl, redisUrl } from '../helpers/databases.js';
import { pooledKeyGenerator } from '../helpers/test-keys.js';
import {
  basic,
  createMachineClient,
  createPerson,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
  testSecret,
} from '../helpers/test-server.js';

/**
 * Issue 16: the clients a person owns (API keys, personal clients) answer for their owner. While
 * the owner is disabled they obtain no token (the same `invalid_client` as a revoked client) and
 * what they obtained before is inactive; enabled again, they work again. Before, a disabled
 * person's API key kept issuing tokens, and its tokens kept passing introspection.
 */

// Many calls from one address: budgets out of reach, limits still on.
const env = { TESSERA_RATE_LIMITS: 'api=100000,login=100000,token=100000,introspect=100000' };
const adminPassword = 'correct horse battery staple';
const alicePassword = 'alice password 1';
const invalidClient = { error: 'invalid_client', error_description: expect.any(String) };

type Json = Record<string, unknown>;

describeEachDialect('clients of a disabled owner', (dialect) => {
  let server: TestServer;
  let adminToken: string;
  let aliceId: string;
  let introspector: { clientId: string; clientSecret: string };

  beforeEach(async () => {
    server = await startTestServer(dialect, { env });
    await createPerson(server.services, { username: 'root', password: adminPassword, isAdmin: true });
    aliceId = (await createPerson(server.services, { username: 'alice', password: alicePassword })).user.id;
    await server.services.scopes.create('read:agents', {}, { actor: 'test' });
    adminToken = await signIn('root', adminPassword);
    introspector = await createMachineClient(server.services, { name: 'rs', introspection: true });
  });
  afterEach(() => server.close());

  async function signIn(username: string, password: string): Promise<string> {
    const login = await server.app.inject({ method: 'POST', url: '/login', payload: { username, password } });
    expect(login.statusCode).toBe(200);
    return login.json().access_token as string;
  }

  function call(token: string, method: 'POST' | 'GET', url: string, payload?: Json) {
    return server.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload }),
    });
  }

  async function setDisabled(disabled: boolean) {
    const response = await call(
      adminToken,
      'POST',
      `/admin/api/users/${aliceId}/${disabled ? 'disable' : 'enable'}`,
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ id: aliceId, disabled });
  }

  async function createOwn(body: Json): Promise<{ client_id: string; client_secret: string }> {
    const created = await call(await signIn('alice', alicePassword), 'POST', '/account/api/clients', body);
    expect(created.statusCode, created.body).toBe(201);
    return created.json();
  }

  function tokenRequest(clientId: string, secret: string, params: Record<string, string>) {
    return server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(clientId, secret) },
      payload: form(params),
    });
  }

  async function introspect(token: string): Promise<Json> {
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...formHeaders, authorization: basic(introspector.clientId, introspector.clientSecret) },
      payload: form({ token }),
    });
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  it('an API key is refused while its owner is disabled, its tokens inactive; enabled again, it works', async () => {
    const key = await createOwn({ name: 'agents', kind: 'api_key', scopes: ['read:agents'] });
    const keyToken = () =>
      tokenRequest(key.client_id, key.client_secret, { grant_type: 'client_credentials' });
    const granted = await keyToken();
    expect(granted.statusCode).toBe(200);
    const earlier = granted.json().access_token as string;
    expect(await introspect(earlier)).toMatchObject({ active: true, client_id: key.client_id });

    await setDisabled(true);
    const refused = await keyToken();
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual(invalidClient);
    expect(await introspect(earlier)).toEqual({ active: false });
    // The key cannot introspect (or revoke) with its secret either: it does not authenticate.
    const selfIntrospection = await server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...formHeaders, authorization: basic(key.client_id, key.client_secret) },
      payload: form({ token: earlier }),
    });
    expect(selfIntrospection.statusCode).toBe(401);

    await setDisabled(false);
    const again = await keyToken();
    expect(again.statusCode).toBe(200);
    expect(await introspect(again.json().access_token)).toMatchObject({ active: true });
    // A suspension, not a revocation: the key's unexpired tokens follow the key, like its secret.
    expect(await introspect(earlier)).toMatchObject({ active: true });
  });

  it('a personal client is refused while its owner is disabled; enabled again, it signs its owner in', async () => {
    const personal = await createOwn({ name: 'My CLI', kind: 'personal' });
    const passwordGrant = () =>
      tokenRequest(personal.client_id, personal.client_secret, {
        grant_type: 'password',
        username: 'alice',
        password: alicePassword,
      });
    const granted = await passwordGrant();
    expect(granted.statusCode).toBe(200);
    const { access_token: earlier, refresh_token: refreshToken } = granted.json();
    const userinfo = (token: string) => call(token, 'GET', '/oauth/userinfo');
    expect((await userinfo(earlier)).statusCode).toBe(200);

    await setDisabled(true);
    // The client answers as a revoked one, before the password is looked at.
    const refused = await passwordGrant();
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual(invalidClient);
    const refresh = await tokenRequest(personal.client_id, personal.client_secret, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    expect(refresh.statusCode).toBe(401);
    expect((await userinfo(earlier)).statusCode).toBe(401);
    expect(await introspect(earlier)).toEqual({ active: false });

    await setDisabled(false);
    const again = await passwordGrant();
    expect(again.statusCode).toBe(200);
    expect((await userinfo(again.json().access_token)).statusCode).toBe(200);
    // Disabling ended the owner's sessions: what was issued in them stays ended.
    expect((await userinfo(earlier)).statusCode).toBe(401);
    const staleRefresh = await tokenRequest(personal.client_id, personal.client_secret, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    expect(staleRefresh.json().error).toBe('invalid_grant');
  });

  it('deleting the owner removes the key at once', async () => {
    const key = await createOwn({ name: 'agents', kind: 'api_key', scopes: ['read:agents'] });
    const keyToken = () =>
      tokenRequest(key.client_id, key.client_secret, { grant_type: 'client_credentials' });
    const earlier = (await keyToken()).json().access_token as string;
    expect(
      (
        await server.app.inject({
          method: 'DELETE',
          url: `/admin/api/users/${aliceId}`,
          headers: { authorization: `Bearer ${adminToken}` },
        })
      ).statusCode,
    ).toBeLessThan(300);
    expect((await keyToken()).statusCode).toBe(401);
    expect(await introspect(earlier)).toEqual({ active: false });
  });

  it('the clients of other people are untouched', async () => {
    const bobId = (await createPerson(server.services, { username: 'bob', password: 'bob password 1' })).user
      .id;
    const bobKey = await server.services.ownClients.create(
      await server.services.users.get({ id: bobId }),
      { name: 'bob key', kind: 'api_key', scopes: ['read:agents'] },
      { actor: 'test' },
    );
    const bobToken = () =>
      tokenRequest(bobKey.client.id, bobKey.secret, { grant_type: 'client_credentials' }).then(
        (r) => r.statusCode,
      );
    expect(await bobToken()).toBe(200);
    await setDisabled(true);
    expect(await bobToken()).toBe(200);
  });
});

// The CLI writes from another process: the running server hears it on the invalidation bus (the
// data_version poll on SQLite, LISTEN/NOTIFY on PostgreSQL), however long its client cache lasts.
describeEachDialect('`user disable` from the CLI reaches a running server', (dialect) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function cli(argv: string[]) {
    const running = server as TestServer;
    const out = capture();
    const err = capture();
    const code = await runCli({
      argv,
      env: {
        TESSERA_DATABASE_URL: running.database.url,
        TESSERA_DATA_DIR: running.database.dataDir,
        TESSERA_SECRET: testSecret,
      },
      cwd: running.database.dataDir,
      stdout: out.stream,
      stderr: err.stream,
      stdin: Readable.from([]),
    });
    expect(code, err.text()).toBe(0);
  }

  it('refuses the API key within seconds, and accepts it again after `user enable`', async () => {
    // The CLI runs on the system clock, so the server does too; an hour-long TTL shows the bus did it.
    server = await startTestServer(dialect, {
      clock: systemClock,
      env: { TESSERA_RATE_LIMITING: 'false', TESSERA_CLIENT_CACHE_TTL: '3600' },
    });
    const running = server;
    running.services.startBackgroundJobs();
    await waitFor(() => running.services.invalidations.listening);
    const { user } = await createPerson(running.services, { username: 'alice', password: alicePassword });
    await running.services.scopes.create('read:agents', {}, { actor: 'test' });
    const key = await running.services.ownClients.create(
      user,
      { name: 'agents', kind: 'api_key', scopes: ['read:agents'] },
      { actor: 'test' },
    );
    const status = () =>
      running.app
        .inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { ...formHeaders, authorization: basic(key.client.id, key.secret) },
          payload: form({ grant_type: 'client_credentials' }),
        })
        .then((r) => r.statusCode);
    expect(await status()).toBe(200);

    await cli(['user', 'disable', 'alice']);
    await waitFor(async () => (await status()) === 401);
    await cli(['user', 'enable', 'alice']);
    await waitFor(async () => (await status()) === 200);
  });
});

// Two instances on one PostgreSQL schema (as in test/faults/two-instances.test.ts): a manual clock
// shared by both, so no cache TTL runs out and what B learns it learns from the bus.
const buses = [
  { bus: 'redis', runs: postgresUrl !== undefined && redisUrl !== undefined },
  { bus: 'postgres', runs: postgresUrl !== undefined },
] as const;

for (const { bus, runs } of buses) {
  (runs ? describe : describe.skip)(`an owner disabled on A is seen on B [bus: ${bus}]`, () => {
    let a: TestServer | undefined;
    let b: { services: Services; app: App; close(): Promise<void> } | undefined;
    afterEach(async () => {
      await b?.close();
      await a?.close();
      a = undefined;
      b = undefined;
    });

    it('B refuses the API key and its tokens at once, and accepts the key again once enabled', async () => {
      const env: Record<string, string> = {
        TESSERA_RATE_LIMITING: 'false',
        ...(bus === 'redis'
          ? { TESSERA_REDIS_URL: redisUrl as string, TESSERA_REDIS_PREFIX: `tessera-test:${randomUUID()}:` }
          : {}),
      };
      a = await startTestServer('postgres', { env });
      const first = a;
      const second = await secondInstance(first, env);
      b = second;
      first.services.startBackgroundJobs();
      second.services.startBackgroundJobs();
      await waitFor(() => first.services.invalidations.listening && second.services.invalidations.listening);

      const { user } = await createPerson(first.services, { username: 'alice', password: alicePassword });
      await first.services.scopes.create('read:agents', {}, { actor: 'test' });
      const key = await first.services.ownClients.create(
        user,
        { name: 'agents', kind: 'api_key', scopes: ['read:agents'] },
        { actor: 'test' },
      );
      const rs = await createMachineClient(first.services, { name: 'rs', introspection: true });
      const onB = (credentials: string, params: Record<string, string>, url = '/oauth/token') =>
        second.app.inject({
          method: 'POST',
          url,
          headers: { ...formHeaders, authorization: credentials },
          payload: form(params),
        });
      const keyOnB = () =>
        onB(basic(key.client.id, key.secret), { grant_type: 'client_credentials' }).then((r) => r.statusCode);
      const activeOnB = async (token: string) =>
        (await onB(basic(rs.clientId, rs.clientSecret), { token }, '/oauth/introspect')).json()
          .active as boolean;

      // B has the key cached, with its owner enabled.
      const granted = await onB(basic(key.client.id, key.secret), { grant_type: 'client_credentials' });
      expect(granted.statusCode).toBe(200);
      const token = granted.json().access_token as string;
      expect(await activeOnB(token)).toBe(true);

      await first.services.users.setDisabled({ id: user.id }, true, { actor: 'test' });
      await waitFor(async () => (await keyOnB()) === 401, 5000);
      expect(await activeOnB(token)).toBe(false);

      await first.services.users.setDisabled({ id: user.id }, false, { actor: 'test' });
      await waitFor(async () => (await keyOnB()) === 200, 5000);
    });
  });
}

/** A second server on A's database, configured like A. */
async function secondInstance(a: TestServer, env: Record<string, string>) {
  const config = loadConfig({
    TESSERA_ISSUER: a.services.config.issuer,
    TESSERA_SECRET: testSecret,
    TESSERA_DATABASE_URL: a.database.url,
    TESSERA_DATA_DIR: a.database.dataDir,
    TESSERA_LOG_LEVEL: 'info',
    ...env,
  });
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const services = createServices({
    config,
    logger: createLogger('info', discard),
    clock: a.clock,
    keyGenerator: pooledKeyGenerator(),
  });
  await prepareStorage(services);
  const app = await buildApp(services);
  await app.ready();
  return {
    services,
    app,
    async close() {
      await app.close();
      await services.close();
    },
  };
}

/** Polls `condition` every 10 ms for up to 10 s (generous: a loaded 2-core machine). */
async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
