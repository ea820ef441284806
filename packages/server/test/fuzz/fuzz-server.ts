import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import type { App } from '../../src/http/types.js';
import { systemClock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/logger.js';
import { createServices, prepareStorage, type Services } from '../../src/services.js';
import type { Dialect } from '../../src/storage/database.js';
import { freshDatabase } from '../helpers/databases.js';
import { freePort } from '../helpers/listen.js';
import { pooledKeyGenerator } from '../helpers/test-keys.js';
import { testSecret } from '../helpers/test-server.js';

export interface FuzzServer {
  readonly app: App;
  readonly services: Services;
  readonly port: number;
  /** Log lines at error level or above (an unhandled error is a finding even if its answer looked fine). */
  readonly errors: string[];
  close(): Promise<void>;
}

/**
 * A listening Tessera over a fresh database, as `tessera serve` runs it (real clock, real
 * sockets), logging at warn level so that a hundred thousand requests write no request lines.
 */
export async function startFuzzServer(dialect: Dialect, env: Record<string, string>): Promise<FuzzServer> {
  const database = await freshDatabase(dialect);
  const port = await freePort();
  const errors: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) {
        if (line !== '' && (JSON.parse(line) as { level: number }).level >= 50 && errors.length < 100)
          errors.push(line);
      }
      done();
    },
  });
  const config = loadConfig({
    TESSERA_ISSUER: `http://127.0.0.1:${port}`,
    TESSERA_SECRET: testSecret,
    TESSERA_DATABASE_URL: database.url,
    TESSERA_DATA_DIR: database.dataDir,
    TESSERA_REDIS_PREFIX: `tessera-fuzz:${randomUUID()}:`,
    TESSERA_METRICS_TOKEN: 'fuzz-metrics-token-that-is-long-enough-0123',
    TESSERA_LOG_LEVEL: 'warn',
    ...env,
  });
  const services = createServices({
    config,
    logger: createLogger('warn', sink),
    clock: systemClock,
    database: database.handle,
    keyGenerator: pooledKeyGenerator(),
  });
  await prepareStorage(services);
  const app = await buildApp(services);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    app,
    services,
    port,
    errors,
    async close() {
      await app.close();
      await services.close();
      await database.dispose();
    },
  };
}
