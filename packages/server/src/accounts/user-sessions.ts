import type { Actor } from '../audit/actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import { NotFoundError } from '../platform/errors.js';
import type { RunInTransaction } from '../platform/transaction.js';
import { lockSession } from './lock-order.js';
import type { Session } from './session.js';
import { endSession } from './session-ending.js';
import type { SessionFilter, SessionStores } from './stores.js';
import type { User } from './user.js';
import { subjectOf } from './user-service.js';

interface UserSessionsDeps {
  readonly stores: SessionStores;
  readonly transaction: RunInTransaction<SessionStores>;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/**
 * A user's sessions as an admin (or the user themself) sees and ends them: every kind, the
 * session API's, OAuth grants', the browser's and each service-account token's. Ending one is
 * audited; its access tokens are refused at once (the one access-token check reads the session).
 */
export class UserSessions {
  readonly #deps: UserSessionsDeps;

  constructor(deps: UserSessionsDeps) {
    this.#deps = deps;
  }

  /** Newest first: the live ones, or with `includeEnded` also those ended or expired (kept a week). */
  list(userId: string, options: { includeEnded?: boolean } = {}): Promise<Session[]> {
    const liveAt = options.includeEnded === true ? undefined : this.#deps.clock.now();
    return this.#deps.stores.sessions.listOfUser(userId, liveAt);
  }

  /**
   * Ends one session. With `ownerId`, only a session of that user: another's is "not found", so a
   * user learns nothing of other users' session ids. Ending an ended session changes nothing.
   */
  async end(
    sessionId: string,
    by: Actor,
    options: { ownerId?: string; reason?: string } = {},
  ): Promise<Session> {
    const { transaction, audit, clock } = this.#deps;
    return transaction(async (stores) => {
      const session = await lockSession(stores, sessionId);
      if (session === undefined || (options.ownerId !== undefined && session.userId !== options.ownerId)) {
        throw new NotFoundError(`no session has the id '${sessionId}'`);
      }
      const now = clock.now();
      if (await endSession(stores, session.id, options.reason ?? 'ended_by_admin', now)) {
        await audit.record(
          {
            type: 'session.ended',
            ...by,
            subject: `session:${session.id}`,
            details: { user_id: session.userId },
          },
          stores.audit,
        );
      }
      return (await stores.sessions.findById(session.id)) ?? session;
    });
  }

  /**
   * Ends the user's open sessions, or those the filter names (one client's, all but the current
   * one), in one transaction: sessions in id order, then their refresh tokens (lock-order.ts).
   */
  async endAll(
    user: User,
    by: Actor,
    options: { filter?: SessionFilter; reason?: string } = {},
  ): Promise<number> {
    const { transaction, audit, clock } = this.#deps;
    return transaction(async (stores) => {
      const now = clock.now();
      const reason = options.reason ?? 'ended_by_admin';
      const ended = await stores.sessions.endAllOfUser(user.id, now, reason, options.filter);
      for (const id of ended) await stores.refreshTokens.revokeSession(id, now);
      if (ended.length > 0) {
        await audit.record(
          {
            type: 'user.sessions_ended',
            ...by,
            subject: subjectOf(user),
            details: { sessions: ended.length, reason },
          },
          stores.audit,
        );
      }
      return ended.length;
    });
  }
}
