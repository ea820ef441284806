import type { User } from './user.js';

/** Unknown user or wrong credential: every door answers both the same way. */
export class InvalidCredentials extends Error {
  override readonly name = 'InvalidCredentials';
}

/** The credential was right but the account is disabled. */
export class AccountDisabled extends Error {
  override readonly name = 'AccountDisabled';
  readonly user: User;
  constructor(user: User) {
    super('account is disabled');
    this.user = user;
  }
}

/**
 * One way of proving who you are (a password today, an upstream id_token next, later a second
 * factor): the sign-in use case (sign-in.ts) calls it and opens the session with its `amr`.
 */
export interface Authenticator<Credentials> {
  /** RFC 8176 authentication method references for a session this proves, e.g. ['pwd']. */
  readonly amr: readonly string[];
  /** Who the credential claims to be, for the audit trail; never the secret itself. */
  claimedIdentity(credentials: Credentials): string;
  /**
   * The user the credential proves, or InvalidCredentials / AccountDisabled. `from`: the address
   * the attempt came from, for sharing out work that a flood from one address could take.
   */
  authenticate(credentials: Credentials, from: { readonly ip: string | null }): Promise<User>;
}
