import type { Clock } from '../platform/clock.js';
import { randomId } from '../platform/random.js';
import type { AccessTokens, IssuedAccessToken } from '../tokens/access-token.js';
import { newOpaqueToken } from '../tokens/opaque.js';
import type { RefreshSuccessors } from '../tokens/refresh-successor.js';
import { type Session, sessionApiClientId } from './session.js';
import type { RefreshTokenStore } from './stores.js';
import { type User, userType } from './user.js';

/** Lifetimes that apply to one session's tokens. */
export interface TokenPolicy {
  readonly accessTtl: number;
  /** Sliding refresh-token lifetime; null: the session gets no refresh token. */
  readonly refreshTtl: number | null;
  /** Absolute end of the session. */
  readonly maxAge: number;
}

export interface IssuedTokens {
  readonly session: Session;
  readonly user: User;
  readonly accessToken: IssuedAccessToken;
  readonly refreshToken: string | undefined;
  readonly scope: readonly string[];
}

interface SessionTokenDeps {
  readonly accessTokens: AccessTokens;
  readonly successors: RefreshSuccessors;
  readonly clock: Clock;
  readonly audience: string;
}

/** Mints a session's tokens: its access tokens (never outliving it) and its refresh tokens. */
export class SessionTokens {
  readonly #deps: SessionTokenDeps;

  constructor(deps: SessionTokenDeps) {
    this.#deps = deps;
  }

  /** An access token of the session; `reissue` mints an already issued one again (same jti, iat, exp). */
  accessToken(
    user: User,
    session: Session,
    scope: readonly string[],
    ttl: number,
    now: Date,
    reissue?: { jti: string; issuedAt: number },
  ): IssuedAccessToken {
    // Never past the session's own end.
    const remaining = Math.floor((session.expiresAt.getTime() - now.getTime()) / 1000);
    return this.#deps.accessTokens.issue({
      subject: user.id,
      clientId: session.clientId ?? sessionApiClientId,
      scope,
      audience: this.#deps.audience,
      ttlSeconds: Math.max(1, Math.min(ttl, remaining)),
      extraClaims: { sid: session.id, user_id: user.id, type: userType(user) },
      ...(reissue === undefined ? {} : { reissue }),
    });
  }

  /** The session's first refresh token; only its hash is stored. */
  async firstRefreshToken(
    store: RefreshTokenStore,
    session: Session,
    scope: readonly string[],
    ttl: number,
    now: Date,
  ): Promise<string> {
    const token = newOpaqueToken();
    await store.insert({
      id: randomId(),
      hash: token.hash,
      sessionId: session.id,
      clientId: session.clientId,
      scope,
      createdAt: now,
      expiresAt: new Date(Math.min(now.getTime() + ttl * 1000, session.expiresAt.getTime())),
      absoluteExpiresAt: session.expiresAt,
      rotatedAt: null,
      replacedBy: null,
      revokedAt: null,
    });
    return token.value;
  }

  /** The successor of a refresh token: derived from it, so concurrent callers all get the same one. */
  successorOf(value: string): { value: string; hash: string } {
    return this.#deps.successors.successorOf(value);
  }
}
