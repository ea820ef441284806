import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { DatabaseHandle } from './database.js';

/**
 * Runs background work on one instance at a time. On PostgreSQL, `work` runs inside a transaction
 * holding a transaction-level advisory lock named after the job and schema; an instance that does
 * not get the lock skips this round (another is doing it), and the lock goes with the transaction
 * however it ends, a crash included. SQLite has one server process: the work just runs.
 * Resolves whether the work ran here.
 */
export function exclusiveJob(
  database: DatabaseHandle,
  name: string,
): (work: () => Promise<void>) => Promise<boolean> {
  if (database.dialect === 'sqlite') {
    return async (work) => {
      await work();
      return true;
    };
  }
  const key = lockKey(`${database.schema ?? ''}:${name}`);
  return (work) =>
    database.db.transaction().execute(async (tx) => {
      const { rows } = await sql<{
        locked: boolean;
      }>`select pg_try_advisory_xact_lock(${key}::bigint) as locked`.execute(tx);
      if (rows[0]?.locked !== true) return false;
      await work();
      return true;
    });
}

/** A signed 64-bit lock id from a name (as text: JavaScript numbers cannot hold it). */
function lockKey(name: string): string {
  const digest = createHash('sha256').update(`tessera:${name}`).digest();
  return digest.readBigInt64BE(0).toString();
}
