import type { AuditLog } from '../audit/audit-log.js';
import { AccountDisabled, InvalidCredentials, type PasswordAuthenticator } from './authentication.js';
import type { User } from './user.js';

export interface PasswordAttempt {
  readonly username: string;
  readonly password: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** Which door: the session API, the browser form, the password grant. */
  readonly via: 'session_api' | 'browser' | 'password_grant';
  readonly clientId?: string;
  /** A personal client's owner: anyone else is refused as if the password were wrong. */
  readonly onlyUserId?: string | null;
}

export type RefusalReason = 'invalid_credentials' | 'account_disabled' | 'not_the_owner';
export type SignInOutcome = { readonly user: User } | { readonly refused: RefusalReason };

/**
 * A password sign-in through any door, with its failure audited the same way everywhere.
 * (The caller audits success, once it has the session the sign-in opened.)
 */
export async function signInWithPassword(
  authenticator: PasswordAuthenticator,
  audit: AuditLog,
  attempt: PasswordAttempt,
): Promise<SignInOutcome> {
  const refuse = async (refused: RefusalReason, user: User | null): Promise<SignInOutcome> => {
    await audit.record({
      type: 'login.failed',
      outcome: 'failure',
      actor: attempt.clientId === undefined ? null : `client:${attempt.clientId}`,
      subject: user === null ? null : `user:${user.id}`,
      clientId: attempt.clientId ?? null,
      ip: attempt.ip,
      userAgent: attempt.userAgent,
      details: { reason: refused, via: attempt.via },
    });
    return { refused };
  };
  try {
    const user = await authenticator.authenticate(attempt.username, attempt.password);
    if (attempt.onlyUserId != null && attempt.onlyUserId !== user.id) return refuse('not_the_owner', user);
    return { user };
  } catch (error) {
    if (error instanceof InvalidCredentials) return refuse('invalid_credentials', null);
    if (error instanceof AccountDisabled) return refuse('account_disabled', error.user);
    throw error;
  }
}
