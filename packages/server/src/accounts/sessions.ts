import type { Clock } from '../platform/clock.js';
import { hashSecret } from '../platform/secret-hash.js';
import type { RunInTransaction } from '../platform/transaction.js';
import { lockRefreshToken } from './lock-order.js';
import {
  createSession,
  type RefreshTokenRecord,
  type Session,
  type SessionKind,
  sessionIsLive,
} from './session.js';
import { endSession } from './session-ending.js';
import type { IssuedTokens, SessionTokens, TokenPolicy } from './session-tokens.js';
import type { SessionStores } from './stores.js';
import type { User } from './user.js';

export type { IssuedTokens, TokenPolicy } from './session-tokens.js';

/** A session that carries tokens: the session API, an OAuth grant, a service account. */
export interface TokenSessionRequest {
  readonly kind: Exclude<SessionKind, 'browser'>;
  readonly clientId: string | null;
  readonly scope: readonly string[];
  readonly policy: TokenPolicy;
}

export interface OpenSessionInput extends TokenSessionRequest {
  readonly user: User;
  readonly amr: readonly string[];
  readonly ip: string | null;
  readonly userAgent: string | null;
}

interface SessionServiceDeps {
  readonly stores: SessionStores;
  readonly transaction: RunInTransaction<SessionStores>;
  readonly tokens: SessionTokens;
  readonly clock: Clock;
}

/**
 * Token-carrying sessions: opening one with its first tokens, ending one or all of a user's, and
 * RFC 7009 revocation of a refresh token. Rotation lives in refresh-rotation.ts and
 * access-token-refresh.ts, the browser's sessions in browser-sessions.ts.
 */
export class SessionService {
  readonly #deps: SessionServiceDeps;

  constructor(deps: SessionServiceDeps) {
    this.#deps = deps;
  }

  /** Opens a session and issues its first access token (and refresh token, if the policy has one). */
  async open(input: OpenSessionInput): Promise<IssuedTokens> {
    const { clock, transaction, tokens } = this.#deps;
    const now = clock.now();
    const { policy } = input;
    const session = createSession({ ...input, maxAge: policy.maxAge }, now);
    return transaction(async (stores) => {
      await stores.sessions.insert(session);
      const refreshToken =
        policy.refreshTtl === null
          ? undefined
          : await tokens.firstRefreshToken(
              stores.refreshTokens,
              session,
              input.scope,
              policy.refreshTtl,
              now,
            );
      const accessToken = tokens.accessToken(input.user, session, input.scope, policy.accessTtl, now);
      await stores.sessions.recordAccessToken(session.id, accessToken.jti, now);
      return { session, user: input.user, accessToken, refreshToken, scope: input.scope };
    });
  }

  /** Ends a session: its access tokens are refused at once and its refresh tokens are dead. */
  async end(sessionId: string, reason: string): Promise<boolean> {
    const now = this.#deps.clock.now();
    return this.#deps.transaction((stores) => endSession(stores, sessionId, reason, now));
  }

  /**
   * RFC 7009 for a refresh token: ends its whole session, so the access tokens of the same grant
   * stop too (§2.1 "SHOULD"). 'foreign' when the token belongs to another client. One
   * transaction, the session locked before the token is read (accounts/lock-order.ts).
   */
  async revokeRefreshToken(value: string, clientId: string): Promise<'revoked' | 'unknown' | 'foreign'> {
    const now = this.#deps.clock.now();
    return this.#deps.transaction(async (stores) => {
      const locked = await lockRefreshToken(stores, hashSecret(value));
      if (locked === undefined) return 'unknown';
      if (locked.token.clientId !== clientId) return 'foreign';
      await endSession(stores, locked.session.id, 'refresh_token_revoked', now);
      return 'revoked';
    });
  }

  /**
   * A refresh token that still works, with its session and user: not revoked, not rotated, not
   * expired, its session live and its user enabled (RFC 7662 introspection). Reads only.
   */
  async liveRefreshToken(
    value: string,
  ): Promise<{ token: RefreshTokenRecord; session: Session; user: User } | undefined> {
    const { stores, clock } = this.#deps;
    const now = clock.now();
    const token = await stores.refreshTokens.findByHash(hashSecret(value));
    if (token === undefined || token.revokedAt !== null || token.rotatedAt !== null) return undefined;
    if (now >= token.expiresAt || now >= token.absoluteExpiresAt) return undefined;
    const session = await stores.sessions.findById(token.sessionId);
    if (session === undefined || !sessionIsLive(session, now)) return undefined;
    const user = await stores.users.findById(session.userId);
    if (user === undefined || user.disabled) return undefined;
    return { token, session, user };
  }

  /**
   * Ends every session of a user (disabled account, new password), in the caller's transaction:
   * after the user's row, the sessions in id order, then their refresh tokens (accounts/lock-order.ts).
   */
  async endAllOfUser(
    userId: string,
    reason: string,
    stores: SessionStores = this.#deps.stores,
  ): Promise<number> {
    const now = this.#deps.clock.now();
    const ended = await stores.sessions.endAllOfUser(userId, now, reason);
    for (const id of ended) await stores.refreshTokens.revokeSession(id, now);
    return ended.length;
  }

  findSession(id: string): Promise<Session | undefined> {
    return this.#deps.stores.sessions.findById(id);
  }
}
