import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import type { App } from '../../src/http/types.js';
import { systemClock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/logger.js';
import { createServices, prepareStorage, type Services } from '../../src/services.js';
import { type FreshDatabase, freshDatabase } from '../helpers/databases.js';
import { freePort } from '../helpers/listen.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { pooledKeyGenerator } from '../helpers/test-keys.js';
import { testSecret } from '../helpers/test-server.js';

/** Bounds the outage tests run with, small so that a stalled database is answered quickly. */
export const connectTimeoutMs = 1000;
export const statementTimeoutMs = 1000;

/**
 * A listening Tessera on PostgreSQL reached through a TCP proxy, so a test can cut or stall the
 * database without touching the shared server. The server opens the database itself, from its
 * settings, exactly as `tessera serve` does.
 */
export interface OutageServer {
  readonly services: Services;
  readonly app: App;
  readonly proxy: TcpProxy;
  readonly baseUrl: string;
  /** PostgreSQL's application_name of the server's connections, to find its backends. */
  readonly applicationName: string;
  /** The database as the tests' own connections reach it (not through the proxy). */
  readonly database: FreshDatabase;
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startOutageServer(env: Record<string, string> = {}): Promise<OutageServer> {
  const database = await freshDatabase('postgres');
  const target = new URL(database.url);
  const proxy = await startTcpProxy(Number(target.port || 5432));
  const applicationName = `tessera_fault_${Math.random().toString(36).slice(2, 10)}`;
  const url = new URL(proxy.url(database.url));
  url.searchParams.set('application_name', applicationName);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(
        ...String(chunk)
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  const config = loadConfig({
    TESSERA_ISSUER: baseUrl,
    TESSERA_SECRET: testSecret,
    TESSERA_DATABASE_URL: url.href,
    TESSERA_DATA_DIR: database.dataDir,
    TESSERA_DATABASE_CONNECT_TIMEOUT: String(connectTimeoutMs),
    TESSERA_DATABASE_STATEMENT_TIMEOUT: String(statementTimeoutMs),
    // Every request reads the database: a cached client would answer through an outage.
    TESSERA_CLIENT_CACHE_TTL: '0',
    // The request streams below are far over any per-IP budget; limits are not under test here.
    TESSERA_RATE_LIMITING: 'false',
    TESSERA_LOG_LEVEL: 'info',
    ...env,
  });
  const services = createServices({
    config,
    logger: createLogger('info', sink),
    clock: systemClock,
    keyGenerator: pooledKeyGenerator(),
  });
  await prepareStorage(services);
  const app = await buildApp(services);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    services,
    app,
    proxy,
    baseUrl,
    applicationName,
    database,
    logs,
    async close() {
      // A stalled connection would keep the pool from ending.
      proxy.restore();
      await app.close();
      await services.close();
      await proxy.close();
      await database.dispose();
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  /** Milliseconds from sending to the whole answer. */
  readonly ms: number;
}

/** Never waits longer than `timeoutMs`: a hang fails the test with AbortError instead of stalling it. */
export async function call(
  baseUrl: string,
  path: string,
  init: RequestInit = {},
  timeoutMs = 15_000,
): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const body = await response.text();
  return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
}

/** Polls `probe` until it returns true, at most `timeoutMs`; false if it never did. */
export async function eventually(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return probe();
}
