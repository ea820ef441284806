import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { TestContext } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import type { App } from '../../src/http/types.js';
import { type Clock, ManualClock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/logger.js';
import { createServices, prepareStorage, type Services } from '../../src/services.js';
import type { Dialect } from '../../src/storage/database.js';
import { type FreshDatabase, freshDatabase } from './databases.js';
import { pooledKeyGenerator } from './test-keys.js';

export const testIssuer = 'http://tessera.test';
export const testSecret = 'test-master-secret-that-is-long-enough-0123456789';

export interface TestServer {
  readonly services: Services;
  readonly app: App;
  readonly clock: ManualClock;
  readonly database: FreshDatabase;
  /** Every log line written so far. */
  readonly logs: string[];
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly env?: Record<string, string>;
  readonly clock?: Clock;
}

/** Services and app over a fresh database of `dialect`, with a manual clock and captured logs. */
export async function startTestServer(
  dialect: Dialect,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const database = await freshDatabase(dialect);
  try {
    return await startOn(database, options);
  } catch (error) {
    // The caller never gets the server to close: its database is given back here.
    await database.dispose();
    throw error;
  }
}

async function startOn(database: FreshDatabase, options: TestServerOptions): Promise<TestServer> {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock(Date.UTC(2026, 10, 23, 12));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  const config = loadConfig({
    TESSERA_ISSUER: testIssuer,
    TESSERA_SECRET: testSecret,
    TESSERA_DATABASE_URL: database.url,
    TESSERA_DATA_DIR: database.dataDir,
    TESSERA_LOG_LEVEL: 'info',
    // Rate-limit counters in a shared Redis are this server's own, as if it were its own deployment.
    TESSERA_REDIS_PREFIX: `tessera-test:${randomUUID()}:`,
    ...options.env,
  });
  const services = createServices({
    config,
    logger: createLogger('info', sink),
    clock,
    database: database.handle,
    keyGenerator: pooledKeyGenerator(),
  });
  await prepareStorage(services);
  const app = await buildApp(services);
  await app.ready();
  return {
    services,
    app,
    clock,
    database,
    logs,
    async close() {
      await app.close();
      await services.close();
      await database.dispose();
    },
  };
}

/**
 * A test server that closes when `test` ends. Tests that run concurrently each start their own
 * this way: one shared through beforeEach/afterEach would be swapped under them.
 */
export async function testServerFor(
  test: Pick<TestContext, 'onTestFinished'>,
  dialect: Dialect,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const server = await startTestServer(dialect, options);
  test.onTestFinished(() => server.close());
  return server;
}

/** Registers a confidential client-credentials client; returns its id and secret. */
export async function createMachineClient(
  services: Services,
  input: { scopes?: string[]; accessTokenTtl?: number; name?: string; introspection?: boolean } = {},
): Promise<{ clientId: string; clientSecret: string }> {
  for (const scope of input.scopes ?? []) {
    if ((await services.scopes.find(scope)) === undefined)
      await services.scopes.create(scope, {}, { actor: 'test' });
  }
  const issued = await services.clients.create(
    {
      name: input.name ?? 'machine',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: input.scopes ?? [],
      accessTokenTtl: input.accessTokenTtl,
      introspection: input.introspection,
    },
    { actor: 'test' },
  );
  return { clientId: issued.client.id, clientSecret: issued.secret as string };
}

export function basic(clientId: string, secret: string): string {
  const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

/** A person with a known password. */
export async function createPerson(
  services: Services,
  input: {
    username?: string;
    password?: string;
    permissions?: string[];
    groups?: string[];
    isAdmin?: boolean;
  } = {},
) {
  const password = input.password ?? 'correct horse battery';
  const { user } = await services.users.create(
    {
      username: input.username ?? 'alice',
      email: `${input.username ?? 'alice'}@example.com`,
      name: 'Alice Liddell',
      password,
      permissions: input.permissions ?? [],
      groups: input.groups ?? [],
      isAdmin: input.isAdmin ?? false,
    },
    { actor: 'test' },
  );
  return { user, password };
}
