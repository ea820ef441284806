import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresAdapter,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  sql,
} from 'kysely';
import type { DatabaseConfig } from '../config/config.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** PostgreSQL schema when not the default one; migrations keep their bookkeeping there too. */
  readonly schema: string | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL schema to use instead of `public` (tests give each database its own). */
  readonly postgresSchema?: string;
}

const PG_INT8 = 20;

export function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): DatabaseHandle {
  if (config.kind === 'sqlite') return openSqlite(config.path);
  return openPostgres(config.url, options.postgresSchema);
}

function openSqlite(path: string): DatabaseHandle {
  mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  // The CLI and the server may write at once; wait for the lock rather than fail with SQLITE_BUSY.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', schema: undefined, close: () => db.destroy() };
}

/** Distinct SQL texts whose compiled statements are kept; Tessera's queries number in the dozens. */
const statementCacheSize = 256;

/**
 * Kysely prepares a statement for every query, and better-sqlite3 compiles the SQL each time:
 * on the hot paths (revocation check, client and session lookups) that compile costs more than
 * running the query. Statements are kept by SQL text and reused; one still being iterated (busy)
 * is never handed out twice.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close() {
      statements.clear();
      sqlite.close();
    },
    prepare(text) {
      const kept = statements.get(text);
      if (kept !== undefined && !kept.busy) return kept;
      const statement = sqlite.prepare(text);
      if (kept === undefined) {
        if (statements.size >= statementCacheSize) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

function openPostgres(url: string, explicitSchema: string | undefined): DatabaseHandle {
  // Required here, not imported at the top: a SQLite deployment never loads the PostgreSQL client.
  const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
  const schema = explicitSchema ?? searchPathOf(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    // Epoch-millisecond columns are bigint; they fit a JS number exactly, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', schema, close: () => db.destroy() };
}

/** The schema a URL selects with `?options=-c search_path=…`, if any. */
function searchPathOf(url: string): string | undefined {
  try {
    const options = new URL(url).searchParams.get('options') ?? '';
    return /search_path=([A-Za-z_][A-Za-z0-9_]*)/.exec(options)?.[1];
  } catch {
    return undefined;
  }
}

/** Applies every pending migration; concurrent starts are serialised by Kysely's migration lock. */
export async function migrateToLatest(db: Kysely<Database>, schema?: string): Promise<string[]> {
  const migrationTableSchema = schema ?? (await currentPostgresSchema(db));
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Kysely looks its bookkeeping tables up by name across schemas; naming ours keeps several
    // Tessera schemas in one database (tests, tenants) from seeing each other's.
    ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function currentPostgresSchema(db: Kysely<Database>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema;
}
