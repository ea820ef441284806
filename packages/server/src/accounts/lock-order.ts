import type { RefreshTokenRecord, Session } from './session.js';
import type { SessionStores } from './stores.js';

/*
 * ONE LOCK ORDER for every transaction that touches sessions and refresh tokens (issue 15):
 *
 *     the user's row (only where the user itself changes: disable, new password, deletion)
 *       → the session row (several sessions: in id order)
 *         → that session's refresh tokens
 *
 * A transaction that writes a session or any of its refresh tokens takes the session row first
 * (lockSession: `select … for no key update` on PostgreSQL) and reads its refresh tokens only
 * under that lock, never locking a refresh token before its session. Rotation, refresh by access
 * token, reuse detection, logout, RFC 7009 revocation, RP-initiated logout, ending every session
 * of a user and revoking a service-account token all follow it. It was missing once: a refresh
 * locked the token and then the session while logout locked the session and then the tokens,
 * and PostgreSQL broke the deadlock by failing one of them (500, and a logout that did not happen).
 *
 * Holding the session row also makes everything that happens to one session happen one after the
 * other, so the reads under the lock are the truth (no compare-and-set races between rotations).
 * SQLite runs one write transaction at a time, which gives the same order without row locks.
 * A deadlock or serialization failure that still happens rolls the transaction back as a whole
 * and is retried a bounded number of times (platform/transaction.ts).
 */

/** Step one of the order: the session, read and locked until the transaction ends. */
export function lockSession(stores: SessionStores, sessionId: string): Promise<Session | undefined> {
  return stores.sessions.lock(sessionId);
}

/**
 * A refresh token and its session, the session locked first: the session is found through the
 * token and locked in one statement, then the token is read under the session's lock, so what the
 * caller sees cannot change before the transaction ends. Undefined when either is unknown.
 */
export async function lockRefreshToken(
  stores: SessionStores,
  hash: string,
): Promise<{ token: RefreshTokenRecord; session: Session } | undefined> {
  const session = await stores.sessions.lockByRefreshTokenHash(hash);
  if (session === undefined) return undefined;
  const token = await stores.refreshTokens.findByHash(hash);
  return token === undefined || token.sessionId !== session.id ? undefined : { token, session };
}
