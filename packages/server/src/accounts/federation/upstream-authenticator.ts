import { decodeJwt } from 'jose';
import { AccountDisabled, type Authenticator } from '../authenticator.js';
import type { User } from '../user.js';
import { profileFromClaims } from './claim-mapping.js';
import type { FederatedAccounts } from './federated-accounts.js';
import type { IdTokenCheck, IdTokenExpectations } from './id-token-check.js';

/** An upstream provider's id_token, with what it must match. */
export interface UpstreamCredentials extends IdTokenExpectations {
  readonly idToken: string;
}

/**
 * RFC 8176 registers no value for "signed in through another provider"; 'fed' is the one Entra ID
 * and others use for exactly that, so relying parties see the sign-in was federated. The upstream's
 * own amr is not passed on: Tessera did not see how the person authenticated there.
 */
export const federatedAmr = ['fed'] as const;

/**
 * Proves who someone is with an upstream provider's id_token (STYLE C17: POST /oidc-login and the
 * browser callback both sign in through this): verified, mapped to account fields, then the
 * account it signs in to, found by (issuer, subject), linked or provisioned.
 */
export class UpstreamAuthenticator implements Authenticator<UpstreamCredentials> {
  readonly amr = federatedAmr;
  readonly #check: IdTokenCheck;
  readonly #accounts: FederatedAccounts;

  constructor(check: IdTokenCheck, accounts: FederatedAccounts) {
    this.#check = check;
    this.#accounts = accounts;
  }

  /** For the audit trail and the brute-force backoff: who the (not yet verified) token says it is. */
  claimedIdentity(credentials: UpstreamCredentials): string {
    try {
      const { iss, sub } = decodeJwt(credentials.idToken);
      if (typeof iss === 'string' && typeof sub === 'string') return `${sub} at ${iss}`.slice(0, 300);
    } catch {
      // Not a JWT: the check says so.
    }
    return 'unreadable id_token';
  }

  async authenticate(credentials: UpstreamCredentials): Promise<User> {
    const { idToken, ...expected } = credentials;
    const verified = await this.#check.verify(idToken, expected);
    const profile = profileFromClaims(verified.claims, verified.provider);
    const user = await this.#accounts.signIn({ ...verified, profile });
    if (user.disabled) throw new AccountDisabled(user);
    return user;
  }
}
