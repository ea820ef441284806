import type { AuditLog } from '../audit/audit-log.js';
import { lockSession } from './lock-order.js';
import type { Session } from './session.js';
import type { SessionStores } from './stores.js';

/**
 * Ends a session inside the caller's transaction: its access tokens are refused, its refresh
 * tokens dead. The session row first, then its refresh tokens (accounts/lock-order.ts).
 */
export async function endSession(
  stores: SessionStores,
  sessionId: string,
  reason: string,
  now: Date,
): Promise<boolean> {
  await lockSession(stores, sessionId);
  const ended = await stores.sessions.end(sessionId, now, reason);
  await stores.refreshTokens.revokeSession(sessionId, now);
  return ended;
}

export interface ReuseContext {
  /** The OAuth client that presented the token; null for the session API. */
  readonly clientId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/**
 * A replayed refresh credential (a refresh token past its grace window, or a superseded access
 * token on GET /token): the whole session ends and the replay is audited, in the transaction
 * that detected it (which holds the session's lock).
 */
export async function endSessionForReuse(
  stores: SessionStores,
  audit: AuditLog,
  session: Session,
  presented: 'refresh_token' | 'access_token',
  context: ReuseContext,
  now: Date,
): Promise<void> {
  await endSession(stores, session.id, 'refresh_token_reuse', now);
  await audit.record(
    {
      type: 'refresh.reuse_detected',
      outcome: 'failure',
      actor: context.clientId === null ? null : `client:${context.clientId}`,
      subject: `session:${session.id}`,
      clientId: context.clientId,
      ip: context.ip,
      userAgent: context.userAgent,
      details: { user_id: session.userId, token: presented },
    },
    stores.audit,
  );
}
