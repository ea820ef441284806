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
    if (postgresUrl === undefined) throw new Error('TESSERA_TEST_POSTGRES_URL is not set');
    const schema = `t_${Math.random().toString(36).slice(2, 12)}`;
    await adminQuery(`create schema ${schema}`);
    const handle = openDatabase({ kind: 'postgres', url: postgresUrl }, { postgresSchema: schema });
    const url = new URL(postgresUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    fresh = {
      handle,
      url: url.href,
      dataDir,
      async dispose() {
        await handle.close().catch(() => undefined);
        await adminQuery(`drop schema if exists ${schema} cascade`);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (options.migrate !== false) await migrateToLatest(fresh.handle.db, fresh.handle.schema);
  return fresh;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
