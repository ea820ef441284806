import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import {
  type DatabaseHandle,
  type Dialect,
  migrateToLatest,
  openDatabase,
} from '../../src/storage/database.js';

export const postgresUrl = process.env.TESSERA_TEST_POSTGRES_URL;
export const redisUrl = process.env.TESSERA_TEST_REDIS_URL;

/** CI=true (or any value but '', '0' and 'false') makes the PostgreSQL and Redis suites mandatory. */
export const inCi = !['', '0', 'false', undefined].includes(process.env.CI);

if (inCi && (postgresUrl === undefined || redisUrl === undefined)) {
  throw new Error(
    'CI must set TESSERA_TEST_POSTGRES_URL and TESSERA_TEST_REDIS_URL; those suites may not skip there',
  );
}

export const dialects: readonly Dialect[] = ['sqlite', 'postgres'];

/**
 * Runs a suite once per storage dialect (STYLE C11). Without TESSERA_TEST_POSTGRES_URL the
 * PostgreSQL run reports itself skipped instead of passing silently.
 */
export function describeEachDialect(name: string, suite: (dialect: Dialect) => void): void {
  for (const dialect of dialects) {
    const run = dialect === 'postgres' && postgresUrl === undefined ? describe.skip : describe;
    run(`${name} [${dialect}]`, () => suite(dialect));
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

/** A new, migrated, empty database of the given dialect: a SQLite file or a PostgreSQL schema. */
export async function freshDatabase(
  dialect: Dialect,
  options: { migrate?: boolean } = {},
): Promise<FreshDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
  let fresh: FreshDatabase;
  if (dialect === 'sqlite') {
    const path = join(dataDir, 'tessera.db');
    const handle = openDatabase({ kind: 'sqlite', path });
    fresh = {
      handle,
      url: path,
      dataDir,
      async dispose() {
        await handle.close().catch(() => undefined);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } else {
    const databaseUrl = await workerDatabaseUrl();
    const schema = `t_${Math.random().toString(36).slice(2, 12)}`;
    await query(databaseUrl, `create schema ${schema}`);
    const handle = openDatabase({ kind: 'postgres', url: databaseUrl }, { postgresSchema: schema });
    const url = new URL(databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    fresh = {
      handle,
      url: url.href,
      dataDir,
      async dispose() {
        await handle.close().catch(() => undefined);
        await query(databaseUrl, `drop schema if exists ${schema} cascade`);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (options.migrate !== false) await migrateToLatest(fresh.handle.db, fresh.handle.schema);
  return fresh;
}

/**
 * Each test worker process gets a database of its own, and each test a schema in it. PostgreSQL
 * catalog queries (Kysely's migrator runs one) can fail when another session drops a schema
 * mid-query; with one database per worker, only that worker's own, sequential tests touch it.
 * The databases are dropped by test/global-setup.ts.
 */
let workerDatabase: Promise<string> | undefined;
const workerDatabasePrefix = 'tessera_w_';

function workerDatabaseUrl(): Promise<string> {
  workerDatabase ??= (async () => {
    if (postgresUrl === undefined) throw new Error('TESSERA_TEST_POSTGRES_URL is not set');
    const name = `${workerDatabasePrefix}${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await query(postgresUrl, `create database ${name}`);
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    return url.href;
  })();
  return workerDatabase;
}

async function query(connectionString: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
