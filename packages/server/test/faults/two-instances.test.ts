import { randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { decodeProtectedHeader } from 'jose';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { loadConfig } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import type { App } from '../../src/http/types.js';
import { systemClock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/logger.js';
import { createServices, prepareStorage, type Services } from '../../src/services.js';
import { openDatabase } from '../../src/storage/database.js';
import { exclusiveJob } from '../../src/storage/exclusive-job.js';
import { capture } from '../helpers/capture.js';
import { postgresUrl, redisUrl } from '../helpers/databases.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
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
 * Issue 15, items 5 and 6: two instances behind one issuer, on one PostgreSQL schema, agree at
 * once. Before, caches expired by TTL only (a client changed elsewhere was seen within 5 s, a
 * rotated key within a minute) and an unknown `kid` was refused until the next key reload.
 *
 * Both instances share one manual clock, so no TTL ever expires here: whatever B learns, it learns
 * from the invalidation bus (Redis pub/sub, or LISTEN/NOTIFY without Redis) or from a reload on
 * an unknown `kid`.
 */

/** The promise under test: a change made on one instance reaches the others within a second. */
const propagationBoundMs = 1000;
/** Bounds for what may take longer on a loaded 2-core machine (reconnecting with backoff). */
const reconnectBoundMs = 20_000;

const actor = { actor: 'test' };
const measured: Record<string, number[]> = {};

afterAll(() => {
  const lines = Object.entries(measured).map(
    ([what, ms]) => `  ${what}: ${ms.map((m) => `${m.toFixed(1)} ms`).join(', ')}`,
  );
  // The measured propagation times, for the issue's closing note.
  if (lines.length > 0) console.info(`change reached the other instance in:\n${lines.join('\n')}`);
});

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = reconnectBoundMs,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `change`, then polls `seen` until it holds; records and returns the milliseconds from the change's start. */
async function propagation(what: string, change: () => Promise<unknown>, seen: () => Promise<boolean>) {
  const started = performance.now();
  await change();
  // Polled well past the bound, so a slow run fails on the assertion with its time, not a timeout.
  await waitFor(what, seen, 5 * propagationBoundMs);
  const ms = performance.now() - started;
  measured[what] = [...(measured[what] ?? []), ms];
  return ms;
}

interface Instance {
  readonly services: Services;
  readonly app: App;
  readonly logs: string[];
  close(): Promise<void>;
}

/** A second server on A's database (its own pool and connections), configured like A. */
async function secondInstance(a: TestServer, env: Record<string, string>): Promise<Instance> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({
    TESSERA_ISSUER: a.services.config.issuer,
    TESSERA_SECRET: testSecret,
    TESSERA_DATABASE_URL: a.database.url,
    TESSERA_DATA_DIR: a.database.dataDir,
    TESSERA_LOG_LEVEL: 'info',
    ...env,
  });
  const services = createServices({
    config,
    logger: createLogger('info', sink),
    clock: a.clock,
    keyGenerator: pooledKeyGenerator(),
  });
  await prepareStorage(services);
  const app = await buildApp(services);
  await app.ready();
  return {
    services,
    app,
    logs,
    async close() {
      await app.close();
      await services.close();
    },
  };
}

type Bus = 'redis' | 'postgres';

interface Deployment {
  readonly a: TestServer;
  readonly b: Instance;
}

const suites: { bus: Bus; runs: boolean }[] = [
  { bus: 'redis', runs: postgresUrl !== undefined && redisUrl !== undefined },
  { bus: 'postgres', runs: postgresUrl !== undefined },
];

for (const { bus, runs } of suites) {
  (runs ? describe : describe.skip)(`two instances, one issuer, one PostgreSQL schema [bus: ${bus}]`, () => {
    let a: TestServer | undefined;
    let b: Instance | undefined;
    let proxy: TcpProxy | undefined;
    afterEach(async () => {
      await b?.close();
      await a?.close();
      await proxy?.close();
      a = undefined;
      b = undefined;
      proxy = undefined;
    });

    /** A and B listening on the bus; with Redis, through `redisAt` when given (a proxy). */
    async function deployment(options: { redisAt?: string; bName?: string } = {}): Promise<Deployment> {
      const env: Record<string, string> = {
        // Polling a token endpoint must not meet a budget: this suite is about caches.
        TESSERA_RATE_LIMITING: 'false',
        ...(bus === 'redis'
          ? {
              TESSERA_REDIS_URL: options.redisAt ?? (redisUrl as string),
              TESSERA_REDIS_PREFIX: `tessera-test:${randomUUID()}:`,
              TESSERA_REDIS_TIMEOUT: '300',
            }
          : {}),
      };
      a = await startTestServer('postgres', { env });
      const url = new URL(a.database.url);
      // Names B's connections in pg_stat_activity, so a test can terminate them and only them.
      url.searchParams.set('application_name', options.bName ?? `tessera-b-${randomUUID().slice(0, 8)}`);
      b = await secondInstance(a, { ...env, TESSERA_DATABASE_URL: url.href });
      a.services.startBackgroundJobs();
      b.services.startBackgroundJobs();
      const [first, second] = [a, b];
      await waitFor(
        'both instances listening',
        () => first.services.invalidations.listening && second.services.invalidations.listening,
      );
      return { a: first, b: second };
    }

    const clientCredentials = (app: App, clientId: string, secret: string) =>
      app
        .inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { ...formHeaders, authorization: basic(clientId, secret) },
          payload: form({ grant_type: 'client_credentials' }),
        })
        .then((r) => r.statusCode);

    it('a logout on A is refused on B at once', async () => {
      const { a, b } = await deployment();
      const { password } = await createPerson(a.services);
      const login = await a.app.inject({
        method: 'POST',
        url: '/login',
        payload: { username: 'alice', password },
      });
      const token = login.json().access_token as string;
      const me = () =>
        b.app
          .inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } })
          .then((r) => r.statusCode);
      expect(await me()).toBe(200);
      expect(
        (
          await a.app.inject({
            method: 'POST',
            url: '/logout',
            headers: { authorization: `Bearer ${token}` },
          })
        ).statusCode,
      ).toBeLessThan(300);
      // No wait at all: the session's end is in the database B reads.
      expect(await me()).toBe(401);
    });

    it('a secret rotated with grace 0 on A: within a second B refuses the old one and accepts the new', async () => {
      const { a, b } = await deployment();
      const client = await createMachineClient(a.services);
      // B has the client cached (and its TTL never runs out on the manual clock).
      expect(await clientCredentials(b.app, client.clientId, client.clientSecret)).toBe(200);

      let secret = '';
      const ms = await propagation(
        `secret rotated on A, accepted on B [${bus}]`,
        async () => {
          secret = (await a.services.clients.rotateSecret(client.clientId, 0, actor)).secret as string;
        },
        async () => (await clientCredentials(b.app, client.clientId, secret)) === 200,
      );
      expect(ms).toBeLessThanOrEqual(propagationBoundMs);
      expect(await clientCredentials(b.app, client.clientId, client.clientSecret)).toBe(401);
    });

    it('a client revoked on A is refused on B within a second', async () => {
      const { a, b } = await deployment();
      const client = await createMachineClient(a.services);
      expect(await clientCredentials(b.app, client.clientId, client.clientSecret)).toBe(200);
      const ms = await propagation(
        `client revoked on A, refused on B [${bus}]`,
        () => a.services.clients.revoke(client.clientId, actor),
        async () => (await clientCredentials(b.app, client.clientId, client.clientSecret)) === 401,
      );
      expect(ms).toBeLessThanOrEqual(propagationBoundMs);
    });

    it('a key rotated on A is published by B within a second, and A’s tokens under it verify on B', async () => {
      const { a, b } = await deployment();
      const client = await createMachineClient(a.services, { introspection: true });
      const kids = async (instance: { app: App }) =>
        (
          (await instance.app.inject({ method: 'GET', url: '/oauth/jwks' })).json().keys as { kid: string }[]
        ).map((k) => k.kid);
      let fresh: string[] = [];
      const ms = await propagation(
        `key rotated on A, published by B [${bus}]`,
        async () => {
          fresh = (await a.services.keys.rotate(actor)).map((k) => k.kid);
        },
        async () => {
          const published = await kids(b);
          return fresh.every((kid) => published.includes(kid));
        },
      );
      expect(ms).toBeLessThanOrEqual(propagationBoundMs);

      // Past the handover A signs with the new key; B verifies it.
      a.clock.advance(a.services.keys.activationDelaySeconds + 1);
      const token = (
        await a.app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { ...formHeaders, authorization: basic(client.clientId, client.clientSecret) },
          payload: form({ grant_type: 'client_credentials' }),
        })
      ).json().access_token as string;
      expect(fresh).toContain(decodeProtectedHeader(token).kid);
      const introspected = await b.app.inject({
        method: 'POST',
        url: '/oauth/introspect',
        headers: { ...formHeaders, authorization: basic(client.clientId, client.clientSecret) },
        payload: form({ token }),
      });
      expect(introspected.json().active).toBe(true);
    });

    it('a PostgreSQL backend of B killed: B keeps serving, and invalidations reach it again', async () => {
      const appName = `tessera-b-${randomUUID().slice(0, 8)}`;
      const { a, b } = await deployment({ bName: appName });
      const client = await createMachineClient(a.services);
      expect(await clientCredentials(b.app, client.clientId, client.clientSecret)).toBe(200);

      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      try {
        const killed = await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
          [appName],
        );
        // The pool's connection, and with LISTEN/NOTIFY the listening one.
        expect(killed.rowCount).toBeGreaterThanOrEqual(bus === 'postgres' ? 2 : 1);
      } finally {
        await admin.end();
      }

      // Each answer is a success or, at worst, a clean 503; the process lives on.
      const statuses: number[] = [];
      await waitFor('B serving again', async () => {
        const status = await clientCredentials(b.app, client.clientId, client.clientSecret);
        statuses.push(status);
        return status === 200;
      });
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
      // With LISTEN/NOTIFY, B's listening connection was among those killed: it has come back (and
      // resynced) before the change below, which must then arrive as a message.
      const listens = () => b.logs.filter((line) => line.includes('invalidation bus listening')).length;
      await waitFor('B listening again', () => listens() >= (bus === 'postgres' ? 2 : 1));

      const rotated = await propagation(
        `after B's backends were killed, secret rotated on A, accepted on B [${bus}]`,
        () => a.services.clients.rotateSecret(client.clientId, 0, actor),
        async () => (await clientCredentials(b.app, client.clientId, client.clientSecret)) === 401,
      );
      expect(rotated).toBeLessThanOrEqual(propagationBoundMs);
    });

    if (bus === 'redis') {
      it('Redis cut and restored: B verifies a key it was not told of, and invalidations flow again', async () => {
        const target = redisUrl as string;
        proxy = await startTcpProxy(Number(new URL(target).port || 6379));
        const { a, b } = await deployment({ redisAt: proxy.url(target) });
        const client = await createMachineClient(a.services, { introspection: true });
        expect(await clientCredentials(b.app, client.clientId, client.clientSecret)).toBe(200);

        proxy.cut();
        await waitFor(
          'both instances hear the cut',
          () => !a?.services.invalidations.listening && !b?.services.invalidations.listening,
        );
        // The message for this rotation is lost; B learns of the key from the first token naming it.
        const fresh = (await a.services.keys.rotate(actor)).map((k) => k.kid);
        a.clock.advance(a.services.keys.activationDelaySeconds + 1);
        const token = (
          await a.app.inject({
            method: 'POST',
            url: '/oauth/token',
            headers: { ...formHeaders, authorization: basic(client.clientId, client.clientSecret) },
            payload: form({ grant_type: 'client_credentials' }),
          })
        ).json().access_token as string;
        expect(fresh).toContain(decodeProtectedHeader(token).kid);
        const introspected = await b.app.inject({
          method: 'POST',
          url: '/oauth/introspect',
          headers: { ...formHeaders, authorization: basic(client.clientId, client.clientSecret) },
          payload: form({ token }),
        });
        expect(introspected.json().active).toBe(true);
        // A change made while the bus is down: B, told nothing, keeps its cached copy meanwhile.
        const rotatedDuringCut = (await a.services.clients.rotateSecret(client.clientId, 0, actor))
          .secret as string;

        proxy.restore();
        await waitFor(
          'both instances listening again',
          () => a?.services.invalidations.listening === true && b?.services.invalidations.listening === true,
        );
        // Reconnected, B forgot everything it might have missed.
        expect(await clientCredentials(b.app, client.clientId, rotatedDuringCut)).toBe(200);
        const ms = await propagation(
          'after a Redis outage, client revoked on A, refused on B [redis]',
          () => a?.services.clients.revoke(client.clientId, actor) as Promise<unknown>,
          async () => (await clientCredentials(b.app, client.clientId, rotatedDuringCut)) === 401,
        );
        expect(ms).toBeLessThanOrEqual(propagationBoundMs);
      });
    }
  });
}

const cliSuites = [
  { name: 'sqlite: data_version poll', dialect: 'sqlite', runs: true, env: {} },
  { name: 'postgres: LISTEN/NOTIFY', dialect: 'postgres', runs: postgresUrl !== undefined, env: {} },
  {
    name: 'postgres + redis: pub/sub',
    dialect: 'postgres',
    runs: postgresUrl !== undefined && redisUrl !== undefined,
    env: { TESSERA_REDIS_URL: redisUrl ?? '', TESSERA_REDIS_PREFIX: `tessera-test:${randomUUID()}:` },
  },
] as const;

for (const suite of cliSuites) {
  (suite.runs ? describe : describe.skip)(`the CLI's changes reach a running server [${suite.name}]`, () => {
    let server: TestServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    // Issue 15: `client rotate-secret --grace 0` from the CLI left the server accepting the old
    // secret, and refusing the new one, for up to TESSERA_CLIENT_CACHE_TTL (5 s).
    it('`client rotate-secret --grace 0`: within a second the server refuses the old secret and accepts the new', async () => {
      const env = { ...suite.env, TESSERA_RATE_LIMITING: 'false' };
      // The CLI runs on the system clock, so the server does too; an hour-long TTL shows the bus did it.
      server = await startTestServer(suite.dialect, {
        clock: systemClock,
        env: { ...env, TESSERA_CLIENT_CACHE_TTL: '3600' },
      });
      const running = server;
      running.services.startBackgroundJobs();
      await waitFor('the server listening', () => running.services.invalidations.listening);
      const client = await createMachineClient(running.services);
      const accepts = (secret: string) =>
        running.app
          .inject({
            method: 'POST',
            url: '/oauth/token',
            headers: { ...formHeaders, authorization: basic(client.clientId, secret) },
            payload: form({ grant_type: 'client_credentials' }),
          })
          .then((r) => r.statusCode === 200);
      expect(await accepts(client.clientSecret)).toBe(true);

      const out = capture();
      const err = capture();
      const code = await runCli({
        argv: ['client', 'rotate-secret', client.clientId, '--grace', '0', '--json'],
        env: {
          ...env,
          TESSERA_DATABASE_URL: running.database.url,
          TESSERA_DATA_DIR: running.database.dataDir,
          TESSERA_SECRET: testSecret,
        },
        cwd: running.database.dataDir,
        stdout: out.stream,
        stderr: err.stream,
        stdin: Readable.from([]),
      });
      expect({ code, stderr: err.text() }).toEqual({ code: 0, stderr: '' });
      const secret = JSON.parse(out.text()).client_secret as string;
      // Timed from the command's exit: its commit came just before.
      const ms = await propagation(
        `CLI rotate-secret, accepted by the server [${suite.name}]`,
        async () => undefined,
        () => accepts(secret),
      );
      expect(ms).toBeLessThanOrEqual(propagationBoundMs);
      expect(await accepts(client.clientSecret)).toBe(false);
    });
  });
}

(postgresUrl === undefined ? describe.skip : describe)('background purges on PostgreSQL [postgres]', () => {
  let a: TestServer | undefined;
  afterEach(async () => {
    await a?.close();
    a = undefined;
  });

  it('run on one instance at a time (advisory lock)', async () => {
    a = await startTestServer('postgres');
    // Another instance's pool on the same schema.
    const handleB = openDatabase(a.services.config.database);
    try {
      let release: () => void = () => undefined;
      const holding = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered: () => void = () => undefined;
      const inside = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const first = exclusiveJob(
        a.database.handle,
        'purge',
      )(async () => {
        entered();
        await holding;
      });
      await inside;
      let ranOnB = false;
      expect(
        await exclusiveJob(
          handleB,
          'purge',
        )(async () => {
          ranOnB = true;
        }),
      ).toBe(false);
      expect(ranOnB).toBe(false);
      // Another job's lock is another lock.
      expect(await exclusiveJob(handleB, 'other')(async () => undefined)).toBe(true);
      release();
      expect(await first).toBe(true);
      expect(await exclusiveJob(handleB, 'purge')(async () => undefined)).toBe(true);
    } finally {
      await handleB.close();
    }
  });
});
