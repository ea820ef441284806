import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `work` in one database transaction, handing it stores bound to that transaction.
 * Domain code opens transactions at the use case (STYLE C7) without seeing Kysely.
 *
 * `work` may run more than once (see retryOnConflict): it must keep its effects inside the
 * transaction's stores, and leave anything outside the database (caches, logs, replies) until
 * the transaction has returned.
 */
export type RunInTransaction<Stores> = <T>(work: (stores: Stores) => Promise<T>) => Promise<T>;

/** Attempts of one transaction, the first included, before a conflict is passed on. */
export const transactionAttempts = 3;

/**
 * PostgreSQL SQLSTATEs after which the server has rolled the whole transaction back and running
 * it again is the right answer: 40001 serialization_failure, 40P01 deadlock_detected. Sessions
 * and refresh tokens follow one lock order (accounts/lock-order.ts), so these should not occur
 * there; this is the net for whatever still does.
 */
const conflictStates: ReadonlySet<string> = new Set(['40001', '40P01']);

/** How deep a `cause` chain is followed; wrappers rarely nest more than twice. */
const maxCauseDepth = 5;

/** Whether `error` (or an error in its `cause` chain) is a conflict that a fresh attempt may not meet. */
export function isTransactionConflict(error: unknown, depth = 0): boolean {
  if (depth > maxCauseDepth || typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && conflictStates.has(code)) return true;
  return isTransactionConflict((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * Runs `attempt` (one whole transaction) again when it failed on a conflict, up to
 * `transactionAttempts` times in all. The pause before a retry is short and random, so the
 * transactions that collided do not meet again in the same step. Any other error, or a conflict
 * on the last attempt, is thrown as it came.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= transactionAttempts || !isTransactionConflict(error)) throw error;
      await sleep(Math.floor(Math.random() * 20 * n));
    }
  }
}
