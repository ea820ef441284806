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

/**
 * Runs a suite once per storage dialect (STYLE C11). Without TESSERA_TEST_POSTGRES_URL the
 * PostgreSQL run reports itself skipped instead of passing silently, and so does a dialect that
 * TESSERA_TEST_DIALECTS leaves out.
 */
export function describeEachDialect(name: string, suite: (dialect: Dialect) => void): void {
  for (const dialect of dialects) {
    const runs = selected.has(dialect) && (dialect !== 'postgres' || postgresUrl !== undefined);
    (runs ? describe : describe.skip)(`${name} [${dialect}]`, () => suite(dialect));
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
 * (a copy of a per-worker template, see sqlite-template.ts and postgres-template.ts) unless
 * `migrate: false` asks for an empty one.
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
  const schema = `t_${Math.random().toString(36).slice(2, 12)}`;
  if (migrate) await worker.cloneTemplate(schema);
  else await worker.query(`create schema ${schema}`);
  const handle = openDatabase({ kind: 'postgres', url: worker.url }, { postgresSchema: schema });
  const url = new URL(worker.url);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    handle,
    url: url.href,
    dataDir,
    async dispose() {
      await handle.close().catch(() => undefined);
      await worker.query(`drop schema if exists ${schema} cascade`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
