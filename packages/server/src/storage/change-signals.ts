import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/**
 * The SQL behind cross-process cache invalidation (platform/invalidation/): PostgreSQL's NOTIFY,
 * and SQLite's counter of commits made by other connections.
 */

/** PostgreSQL: sends `payload` to every session listening on `channel` (delivered once committed). */
export async function notify(db: Kysely<Database>, channel: string, payload: string): Promise<void> {
  await sql`select pg_notify(${channel}, ${payload})`.execute(db);
}

/**
 * The NOTIFY channel of one Tessera database: deployments in other schemas of the same database
 * (tests, tenants) hear their own. An identifier, so at most 63 bytes.
 */
export function notifyChannel(schema: string | undefined): string {
  const base = 'tessera_invalidations';
  if (schema === undefined) return base;
  const named = `${base}_${schema}`;
  return named.length <= 63
    ? named
    : `${base}_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}

/**
 * SQLite: a number that changes when another connection (another process: the CLI) commits to
 * the database; this connection's own commits leave it alone. Read on Kysely's one connection.
 */
export async function dataVersion(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(db);
  return Number(rows[0]?.data_version);
}
