import type { RefreshTokenStore, SessionStore } from '../accounts/stores.js';
import type { Actor } from '../audit/actor.js';
import type { AuditStore } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import { NotFoundError } from '../platform/errors.js';
import type { RunInTransaction } from '../platform/transaction.js';
import type { Consent, ConsentStore } from './stores.js';

type ConsentStores = {
  readonly consents: ConsentStore;
  readonly sessions: SessionStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly audit: AuditStore;
};

interface UserConsentsDeps {
  readonly consents: ConsentStore;
  readonly transaction: RunInTransaction<ConsentStores>;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/** A consent as listed: what the user allowed which client, and when. */
export type ListedConsent = Consent & { readonly clientName: string };

/**
 * The apps a user has let in, as the user (connected apps) and admins see them. Withdrawing a
 * consent also ends the user's sessions with that client, so what it was given stops working
 * now, not when its refresh token would have expired; the app must ask again.
 */
export class UserConsents {
  readonly #deps: UserConsentsDeps;

  constructor(deps: UserConsentsDeps) {
    this.#deps = deps;
  }

  list(userId: string): Promise<ListedConsent[]> {
    return this.#deps.consents.listOfUser(userId);
  }

  /** Forgets the consent and ends the sessions it fed; the number of sessions ended. */
  async withdraw(userId: string, clientId: string, by: Actor): Promise<number> {
    const { transaction, audit, clock } = this.#deps;
    return transaction(async (stores) => {
      if (!(await stores.consents.delete(userId, clientId))) {
        throw new NotFoundError(`no consent was given to the client '${clientId}'`);
      }
      const now = clock.now();
      // Sessions in id order, then their refresh tokens (accounts/lock-order.ts).
      const ended = await stores.sessions.endAllOfUser(userId, now, 'consent_withdrawn', { clientId });
      for (const id of ended) await stores.refreshTokens.revokeSession(id, now);
      await audit.record(
        {
          type: 'consent.withdrawn',
          ...by,
          subject: `user:${userId}`,
          clientId,
          details: { sessions_ended: ended.length },
        },
        stores.audit,
      );
      return ended.length;
    });
  }
}
