import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { type DatabaseHandle, type Dialect, openDatabase } from '../../src/storage/database.js';
import { postgresWorker } from './postgres-template.js';
import { copyMigratedSqlite } from './sqlite-template.js';
import { isCi, selectedDialects } from './test-dialects.js';

export const postgresUrl = process.env.TESSERA_TEST_POSTGRES_URL;
export const redisUrl = process.env.TESSERA_TEST_REDIS_URL;

/** CI=true (or any value but '', '0' and 'false') makes the PostgreSQL and Redis suites mandatory. */
export const inCi = isCi(process.env);

if (inCi && (postgresUrl === undefined || redisUrl === undefined)) {
  throw new Error(
    'CI must set TESSERA_TEST_POSTGRES_URL and TESSERA_TEST_REDIS_URL; those suites may not skip there',
  );
}

export const dialects: readonly Dialect[] = ['sqlite', 'postgres'];
const selected = selectedDialects(process.env, inCi);

export interface DialectSuiteOptions {
  /**
   * Runs the dialects' suites at the same time, and the tests in each at the same time too, for
   * suites whose tests mostly wait (backoffs, held refusals, retries). Each test must then own
   * what it uses, e.g. a server from testServerFor(), not one shared through beforeEach.
   */
  readonly concurrent?: boolean;
}

/**
 * Runs a suite once per storage dialect (STYLE C11). Without TESSERA_TEST_POSTGRES_URL the
 * PostgreSQL run reports itself skipped instead of passing silently, and so does a dialect that
 * TESSERA_TEST_DIALECTS leaves out. Options go second, as with Vitest's describe(name, options, fn).
 */
export function describeEachDialect(name: string, suite: (dialect: Dialect) => void): void;
export function describeEachDialect(
  name: string,
  options: DialectSuiteOptions,
  suite: (dialect: Dialect) => void,
): void;
export function describeEachDialect(
  name: string,
  ...args: [(dialect: Dialect) => void] | [DialectSuiteOptions, (dialect: Dialect) => void]
): void {
  const [options, suite] = args.length === 1 ? [{}, args[0]] : args;
  for (const dialect of dialects) {
    const runs = selected.has(dialect) && (dialect !== 'postgres' || postgresUrl !== undefined);
    (runs ? describe : describe.skip)(`${name} [${dialect}]`, { concurrent: options.concurrent }, () =>
      suite(dialect),
    );
  }
}

export interface FreshDatabase {
  readonly handle: DatabaseHandle;
  /** TESSERA_DATABASE_URL that reaches the same database from another process. */
  readonly url: string;
  /** A scratch directory for this database's data dir. */
  readonly dataDir: string;
  dispose(): Promise<void>;
}

/**
 * A new, isolated database of the given dialect: a SQLite file or a PostgreSQL schema. Migrated
 * (a copy of a per-worker template, see sqlite-template.ts and postgres-template.ts; on
 * PostgreSQL perhaps one another test disposed of, emptied) unless `migrate: false` asks for an
 * empty one.
 */
export async function freshDatabase(
  dialect: Dialect,
  options: { migrate?: boolean } = {},
): Promise<FreshDatabase> {
  const migrate = options.migrate !== false;
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
  if (dialect === 'sqlite') {
    const path = join(dataDir, 'tessera.db');
    if (migrate) await copyMigratedSqlite(path);
    const handle = openDatabase({ kind: 'sqlite', path });
    return {
      handle,
      url: path,
      dataDir,
      async dispose() {
        await handle.close().catch(() => undefined);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (postgresUrl === undefined) throw new Error('TESSERA_TEST_POSTGRES_URL is not set');
  const worker = await postgresWorker(postgresUrl);
  const schema = migrate ? await worker.migratedSchema() : await worker.emptySchema();
  const handle = openDatabase({ kind: 'postgres', url: worker.url }, { postgresSchema: schema });
  const url = new URL(worker.url);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    handle,
    url: url.href,
    dataDir,
    async dispose() {
      await handle.close().catch(() => undefined);
      await worker.release(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
