import type { Actor } from '../audit/actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import { InvalidInputError } from '../platform/errors.js';
import type { InvalidationPublisher } from '../platform/invalidation/invalidation-bus.js';
import { hashPassword } from '../platform/password-hash.js';
import type { RunInTransaction } from '../platform/transaction.js';
import type { PasswordAuthenticator } from './password-authenticator.js';
import { assertAcceptablePassword } from './password-policy.js';
import type { Refused, SignIn } from './sign-in.js';
import type { SessionStores } from './stores.js';
import type { User } from './user.js';

export interface PasswordChangeRequest {
  readonly currentPassword: string;
  readonly newPassword: string;
  /** The session the change is made from: it stays; every other session of the user ends. */
  readonly sessionId: string;
}

interface PasswordChangeDeps {
  readonly signIn: SignIn;
  readonly passwords: PasswordAuthenticator;
  readonly transaction: RunInTransaction<SessionStores>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly invalidations?: InvalidationPublisher;
}

/**
 * A person changes their own password. The current one is checked by the one sign-in path's
 * password check (SignIn.confirm), so its brute-force backoff applies: a stolen session cannot
 * guess its way to the password. Then, in one transaction, the new hash is stored and every other
 * session of the user ends (their tokens are refused at once), in the lock order of
 * accounts/lock-order.ts: the user's row, their sessions in id order, the refresh tokens.
 */
export class PasswordChange {
  readonly #deps: PasswordChangeDeps;

  constructor(deps: PasswordChangeDeps) {
    this.#deps = deps;
  }

  async change(user: User, request: PasswordChangeRequest, by: Actor): Promise<User | Refused> {
    const { signIn, passwords, transaction, audit, clock } = this.#deps;
    if (user.kind !== 'user') throw new InvalidInputError('a service account has no password');
    const confirmed = await signIn.confirm(
      passwords,
      { username: user.username, password: request.currentPassword },
      { via: 'password_change', ip: by.ip ?? null, userAgent: by.userAgent ?? null, onlyUserId: user.id },
    );
    if ('refused' in confirmed) return confirmed;
    if (request.newPassword === request.currentPassword) {
      throw new InvalidInputError('the new password must differ from the current one');
    }
    assertAcceptablePassword(request.newPassword, user.username);
    const now = clock.now();
    const changed: User = {
      ...confirmed.user,
      passwordHash: await hashPassword(request.newPassword),
      updatedAt: now,
    };
    await transaction(async (stores) => {
      await stores.users.update(changed);
      const ended = await stores.sessions.endAllOfUser(user.id, now, 'password_changed', {
        exceptId: request.sessionId,
      });
      for (const id of ended) await stores.refreshTokens.revokeSession(id, now);
      await audit.record(
        {
          type: 'user.password_set',
          ...by,
          subject: `user:${user.id}`,
          details: { by_the_user: true, sessions_ended: ended.length },
        },
        stores.audit,
      );
    });
    await this.#deps.invalidations?.publish('user', user.id);
    return changed;
  }
}
