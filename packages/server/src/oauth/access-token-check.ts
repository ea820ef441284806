import { sessionApiClientId, sessionIsLive } from '../accounts/session.js';
import type { SessionStore, UserStore } from '../accounts/stores.js';
import type { User } from '../accounts/user.js';
import { type ClientDirectory, clientIsActive } from '../clients/client-directory.js';
import type { Clock } from '../platform/clock.js';
import { type AccessTokenClaims, AccessTokenError, type AccessTokens } from '../tokens/access-token.js';
import type { RevocationList } from '../tokens/revocation-list.js';

export interface CheckedAccessToken {
  readonly claims: AccessTokenClaims;
  /** The user the token speaks for; undefined for client-credentials tokens. */
  readonly user: User | undefined;
}

interface AccessTokenCheckDeps {
  readonly tokens: AccessTokens;
  readonly revocations: RevocationList;
  readonly clients: ClientDirectory;
  readonly sessions: SessionStore;
  readonly users: UserStore;
  readonly clock: Clock;
}

/**
 * The one answer to "is this access token still good" (STYLE C16): signature, issuer, type and
 * expiry, then what a JWT cannot say about itself: revoked by id, issued to a client since
 * revoked or whose owner is disabled, its session ended (logout, reuse detection), its user
 * disabled or deleted.
 * Introspection, the session API and userinfo all ask here, so a logout is refused everywhere.
 */
export class AccessTokenCheck {
  readonly #deps: AccessTokenCheckDeps;

  constructor(deps: AccessTokenCheckDeps) {
    this.#deps = deps;
  }

  /**
   * The token's claims and user, or AccessTokenError('expired' | 'invalid'). `acceptExpiredFor`
   * (seconds past expiry) is for the session API's refresh by access token only.
   */
  async check(token: string, options: { acceptExpiredFor?: number } = {}): Promise<CheckedAccessToken> {
    const { tokens, revocations, clients, sessions, users, clock } = this.#deps;
    const claims = await tokens.verify(token, options);
    if (await revocations.isRevoked(claims.jti))
      throw new AccessTokenError('invalid', 'token has been revoked');
    if (claims.client_id !== sessionApiClientId) {
      // An API key's tokens name no session: its owner's state reaches them through the client.
      if (!clientIsActive(await clients.find(claims.client_id))) {
        throw new AccessTokenError('invalid', 'the client this token was issued to is revoked or suspended');
      }
    }
    if (claims.sid === undefined) {
      if (claims.client_id === sessionApiClientId)
        throw new AccessTokenError('invalid', 'token names no session');
      return { claims, user: undefined };
    }
    const session = await sessions.findById(claims.sid);
    if (session === undefined || !sessionIsLive(session, clock.now())) {
      throw new AccessTokenError('invalid', 'the session of this token has ended');
    }
    const user = await users.findById(session.userId);
    if (user === undefined || user.disabled || user.id !== claims.sub) {
      throw new AccessTokenError('invalid', 'the user of this token is disabled');
    }
    return { claims, user };
  }
}
