import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresAdapter,
  type PostgresCursor,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
  type SqliteDatabase,
  SqliteDialect,
  sql,
} from 'kysely';
import type { Pool, PoolClient } from 'pg';
import type { DatabaseConfig } from '../config/config.js';
import { logThrottle } from '../platform/log-throttle.js';
import type { Logger } from '../platform/logger.js';
import { DependencyUnavailable } from '../platform/unavailable.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** PostgreSQL schema when not the default one; migrations keep their bookkeeping there too. */
  readonly schema: string | undefined;
  /** A trivial query: resolves when the database answers (readiness checks). */
  ping(): Promise<void>;
  /**
   * Runs `work` where no statement timeout applies: a migration that rebuilds an index on a large
   * table may rightly take minutes, and cancelling it would stop the server from starting.
   */
  withoutStatementTimeout<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** PostgreSQL bounds; TESSERA_DATABASE_CONNECT_TIMEOUT and TESSERA_DATABASE_STATEMENT_TIMEOUT. */
export interface DatabaseTimeouts {
  /** Opening a connection, or waiting for a free one in the pool. */
  readonly connectMs: number;
  /** PostgreSQL's statement_timeout; a statement with no answer at all is abandoned a little later. */
  readonly statementMs: number;
}

export interface OpenOptions {
  /** PostgreSQL schema to use instead of `public` (tests give each database its own). */
  readonly postgresSchema?: string;
  /** Without them a dead or stalled PostgreSQL makes a query wait as long as TCP does. */
  readonly timeouts?: DatabaseTimeouts;
  /** Where lost connections are reported (at most one line per few seconds); otherwise only survived. */
  readonly logger?: Logger;
}

const PG_INT8 = 20;

export function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): DatabaseHandle {
  if (config.kind === 'sqlite') return openSqlite(config.path);
  return openPostgres(config.url, options);
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
  return {
    db,
    dialect: 'sqlite',
    schema: undefined,
    ping: () => selectOne(db),
    withoutStatementTimeout: (work) => work(db),
    close: () => db.destroy(),
  };
}

async function selectOne(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
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

function openPostgres(url: string, options: OpenOptions): DatabaseHandle {
  const schema = options.postgresSchema ?? searchPathOf(url);
  const { timeouts } = options;
  const connections = watchConnections(options.logger);
  const pool = newPool(url, schema, connections, timeouts?.connectMs, timeouts?.statementMs);
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool:
        timeouts === undefined
          ? pool
          : boundedPool(pool, timeouts.statementMs + abandonAfterMs, connections.isLost),
    }),
  });
  return {
    db,
    dialect: 'postgres',
    schema,
    ping: () => selectOne(db),
    async withoutStatementTimeout(work) {
      if (timeouts === undefined) return work(db);
      // A pool of its own for the duration: the bound is set per connection, at its start.
      const unbounded = new Kysely<Database>({
        dialect: new PostgresDialect({
          pool: newPool(url, schema, connections, timeouts.connectMs, undefined),
        }),
      });
      try {
        return await work(unbounded);
      } finally {
        await unbounded.destroy();
      }
    },
    close: () => db.destroy(),
  };
}

/**
 * How long past the statement timeout a query with no answer at all (a stalled server or network,
 * where PostgreSQL's own cancellation cannot reach us) is given up on, client side.
 */
const abandonAfterMs = 1000;

/** A dropped connection is reported at most once per this interval: a restart drops them all at once. */
const connectionLossLogIntervalMs = 5000;

function newPool(
  url: string,
  schema: string | undefined,
  connections: ConnectionWatch,
  connectMs: number | undefined,
  statementMs: number | undefined,
): Pool {
  // Required here, not imported at the top: a SQLite deployment never loads the PostgreSQL client.
  const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    ...(connectMs === undefined ? {} : { connectionTimeoutMillis: connectMs }),
    ...(statementMs === undefined ? {} : { statement_timeout: statementMs }),
    // A peer that vanished without a FIN (a cut network) is noticed by the OS instead of never.
    keepAlive: true,
    // Epoch-millisecond columns are bigint; they fit a JS number exactly, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // Without these listeners, a backend terminated by pg_terminate_backend or a PostgreSQL restart
  // emits an 'error' nobody handles, and Node ends the process. An idle client's error reaches the
  // pool; a checked-out client's reaches only the client.
  pool.on('error', connections.lost);
  pool.on('connect', (client) => client.on('error', (error) => connections.lost(error, client)));
  return pool;
}

interface ConnectionWatch {
  /** Records (and reports, rate-limited) that a connection failed. */
  lost(error: Error, client?: PoolClient): void;
  isLost(client: PoolClient): boolean;
}

function watchConnections(logger: Logger | undefined): ConnectionWatch {
  const shouldLog = logThrottle(connectionLossLogIntervalMs);
  const lostClients = new WeakSet<PoolClient>();
  return {
    lost(error, client) {
      if (client !== undefined) lostClients.add(client);
      const suppressed = shouldLog();
      if (logger === undefined || suppressed === undefined) return;
      // The driver's message only: never the error object, whose fields may carry connection details.
      logger.warn(
        { dependency: 'database', reason: error.message, suppressed },
        'database connection lost; it is replaced on the next query',
      );
    },
    isLost: (client) => lostClients.has(client),
  };
}

/**
 * The pool as Kysely sees it, with the failures pg reports by message alone (a connect or pool
 * wait timeout, a connection that ended mid-query) turned into DependencyUnavailable, and each
 * query bounded client side: a stalled server never answers, not even with PostgreSQL's own
 * statement timeout. Errors that carry a code (ECONNREFUSED, 57P01, 28P01…) pass unchanged.
 */
function boundedPool(
  pool: Pool,
  queryTimeoutMs: number,
  isLost: (client: PoolClient) => boolean,
): PostgresPool {
  return {
    async connect() {
      try {
        return new BoundedClient(await pool.connect(), queryTimeoutMs, isLost);
      } catch (error) {
        throw hasCode(error)
          ? error
          : new DependencyUnavailable('database', messageOf(error), { cause: error });
      }
    },
    end: () => pool.end(),
  };
}

class BoundedClient implements PostgresPoolClient {
  readonly #client: PoolClient;
  readonly #timeoutMs: number;
  readonly #isLost: (client: PoolClient) => boolean;
  /** A query went unanswered: the connection is in an unknown state and must not go back to the pool. */
  #abandoned = false;

  constructor(client: PoolClient, timeoutMs: number, isLost: (client: PoolClient) => boolean) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
    this.#isLost = isLost;
  }

  query<R>(sqlText: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlText: string | PostgresCursor<R>,
    parameters: ReadonlyArray<unknown> = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely streams through cursors only when given a cursor class, which Tessera never gives.
    if (typeof sqlText !== 'string') throw new Error('cursors are not supported');
    if (this.#abandoned) {
      // A rollback after a timeout would only queue behind the unanswered query.
      return Promise.reject(new DependencyUnavailable('database', 'the connection stopped answering'));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#abandoned = true;
        reject(new DependencyUnavailable('database', `no answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#client.query(sqlText, [...parameters]).then(
        (result) => {
          clearTimeout(timer);
          resolve(result as unknown as PostgresQueryResult<R>);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(
            this.#isLost(this.#client) && !hasCode(error)
              ? new DependencyUnavailable('database', messageOf(error), { cause: error })
              : error,
          );
        },
      );
    });
  }

  release(): void {
    // An argument makes pg-pool destroy the connection instead of keeping it.
    this.#client.release(this.#abandoned ? new Error('abandoned after a query timeout') : undefined);
  }
}

function hasCode(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null)?.code === 'string';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
