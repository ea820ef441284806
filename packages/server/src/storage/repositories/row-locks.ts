import { type Kysely, PostgresAdapter } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Whether `select … for no key update` locks rows here. PostgreSQL's transactions run side by
 * side and need the lock order of accounts/lock-order.ts; SQLite runs one write transaction at a
 * time and has no such syntax, so there a locking read is a plain read.
 */
export function locksRows(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
