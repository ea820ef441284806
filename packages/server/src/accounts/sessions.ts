import type { AuditStore } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import { randomId } from '../platform/random.js';
import { hashSecret } from '../platform/secret-hash.js';
import type { RunInTransaction } from '../platform/transaction.js';
import type { AccessTokenClaims, AccessTokens, IssuedAccessToken } from '../tokens/access-token.js';
import { newOpaqueToken } from '../tokens/opaque.js';
import type { RefreshSuccessors } from '../tokens/refresh-successor.js';
import { type RefreshTokenRecord, type Session, type SessionKind, sessionIsLive } from './session.js';
import type { RefreshTokenStore, SessionStore, UserStore } from './stores.js';
import { type User, userType } from './user.js';

/** `client_id` of tokens issued by the first-party session API, which has no OAuth client. */
export const sessionApiClientId = 'tessera';

/** Lifetimes that apply to one session's tokens. */
export interface TokenPolicy {
  readonly accessTtl: number;
  /** Sliding refresh-token lifetime; null: the session gets no refresh token. */
  readonly refreshTtl: number | null;
  /** Absolute end of the session. */
  readonly maxAge: number;
}

export interface OpenSessionInput {
  readonly user: User;
  readonly kind: SessionKind;
  readonly clientId: string | null;
  readonly scope: readonly string[];
  readonly policy: TokenPolicy;
  readonly amr: readonly string[];
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface IssuedTokens {
  readonly session: Session;
  readonly user: User;
  readonly accessToken: IssuedAccessToken;
  readonly refreshToken: string | undefined;
  readonly scope: readonly string[];
}

export type RefreshFailure = 'invalid' | 'expired' | 'reused';

export class RefreshFailed extends Error {
  override readonly name = 'RefreshFailed';
  readonly reason: RefreshFailure;
  constructor(reason: RefreshFailure) {
    super(`refresh token is ${reason}`);
    this.reason = reason;
  }
}

/** A refresh asked for a scope the original grant did not include (RFC 6749 §6). */
export class ScopeNotGranted extends Error {
  override readonly name = 'ScopeNotGranted';
}

export interface RefreshInput {
  /** The OAuth client presenting the token; null for the session API. Tokens are bound to it. */
  readonly clientId: string | null;
  readonly policy: TokenPolicy;
  /** A narrower scope for the new access token (RFC 6749 §6); undefined keeps the original. */
  readonly scope?: readonly string[];
  /** The scopes the client may still have; others are dropped from the new access token. */
  readonly allowedScopes?: readonly string[];
  readonly ip: string | null;
  readonly userAgent: string | null;
}

interface SessionStores {
  readonly sessions: SessionStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly users: UserStore;
  readonly audit: AuditStore;
}

interface SessionManagerDeps {
  readonly stores: SessionStores;
  readonly transaction: RunInTransaction<SessionStores>;
  readonly accessTokens: AccessTokens;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly audience: string;
  /** Seconds a rotated refresh token is still honoured. */
  readonly refreshGrace: number;
  readonly successors: RefreshSuccessors;
}

type RotationOutcome =
  | { kind: 'issued'; tokens: IssuedTokens }
  | { kind: 'reused'; token: RefreshTokenRecord | null; session: Session };

/**
 * Sessions and the refresh-token family: the one place where rotation, the grace window and
 * reuse detection live (STYLE C16). The session API, the refresh_token and password grants and
 * service-account tokens all go through here.
 */
export class SessionManager {
  readonly #deps: SessionManagerDeps;

  constructor(deps: SessionManagerDeps) {
    this.#deps = deps;
  }

  /** Opens a session and issues its first access token (and refresh token, if the policy has one). */
  async open(input: OpenSessionInput): Promise<IssuedTokens> {
    const { clock, transaction } = this.#deps;
    const now = clock.now();
    const session: Session = {
      id: randomId(),
      userId: input.user.id,
      clientId: input.clientId,
      kind: input.kind,
      authTime: now,
      amr: [...input.amr],
      createdAt: now,
      lastActiveAt: now,
      expiresAt: new Date(now.getTime() + input.policy.maxAge * 1000),
      endedAt: null,
      endReason: null,
      newestAccessJti: null,
      previousAccessJti: null,
      accessRotatedAt: null,
      ip: input.ip,
      userAgent: input.userAgent,
    };
    return transaction(async (stores) => {
      await stores.sessions.insert(session);
      const refreshToken =
        input.policy.refreshTtl === null
          ? undefined
          : await this.#insertRefreshToken(
              stores,
              session,
              input.clientId,
              input.scope,
              input.policy.refreshTtl,
              now,
            );
      const accessToken = this.#accessToken(input.user, session, input.scope, input.policy.accessTtl, now);
      await stores.sessions.recordAccessToken(session.id, accessToken.jti, now);
      return { session, user: input.user, accessToken, refreshToken, scope: input.scope };
    });
  }

  /**
   * Rotates a refresh token. A token rotated less than `refreshGrace` seconds ago still works
   * (each concurrent caller gets its own valid successor in the same session); presented later,
   * it is a replay: the whole session is revoked and an audit event written.
   */
  async refresh(value: string, input: RefreshInput): Promise<IssuedTokens> {
    const { transaction, clock } = this.#deps;
    const now = clock.now();
    const outcome = await transaction((stores) => this.#rotate(stores, value, input, now));
    if (outcome.kind === 'issued') return outcome.tokens;
    return this.#reuseDetected(outcome, input, now);
  }

  /**
   * The session API's refresh by access token (existing clients send their current, often just
   * expired, access token to GET /token). Only the session's newest access token is accepted;
   * the one before it, within the grace window, gets the same successor again (same jti, iat and
   * exp); anything older is a replay and revokes the session.
   */
  async refreshWithAccessToken(claims: AccessTokenClaims, input: RefreshInput): Promise<IssuedTokens> {
    const { transaction, clock } = this.#deps;
    const now = clock.now();
    const outcome = await transaction(async (stores): Promise<RotationOutcome> => {
      let session = claims.sid === undefined ? undefined : await stores.sessions.findById(claims.sid);
      if (session === undefined || session.kind !== 'api' || !sessionIsLive(session, now))
        throw new RefreshFailed('invalid');
      const refreshTtlMs = (input.policy.refreshTtl ?? 0) * 1000;
      if (now.getTime() - session.lastActiveAt.getTime() > refreshTtlMs) throw new RefreshFailed('expired');
      const user = await stores.users.findById(session.userId);
      if (user === undefined || user.disabled || user.id !== claims.sub) throw new RefreshFailed('invalid');
      const scope = (claims.scope ?? '').split(' ').filter((s) => s !== '');

      if (claims.jti === session.newestAccessJti) {
        const accessToken = this.#accessToken(user, session, scope, input.policy.accessTtl, now);
        if (await stores.sessions.rotateAccessToken(session.id, claims.jti, accessToken.jti, now)) {
          return { kind: 'issued', tokens: { session, user, accessToken, refreshToken: undefined, scope } };
        }
        session = (await stores.sessions.findById(session.id)) as Session;
      }
      const rotatedAt = session.accessRotatedAt;
      const withinGrace =
        rotatedAt !== null && now.getTime() - rotatedAt.getTime() <= this.#deps.refreshGrace * 1000;
      if (claims.jti === session.previousAccessJti && withinGrace && session.newestAccessJti !== null) {
        const reissue = { jti: session.newestAccessJti, issuedAt: Math.floor(rotatedAt.getTime() / 1000) };
        const accessToken = this.#accessToken(
          user,
          session,
          scope,
          input.policy.accessTtl,
          rotatedAt,
          reissue,
        );
        return { kind: 'issued', tokens: { session, user, accessToken, refreshToken: undefined, scope } };
      }
      return { kind: 'reused', token: null, session };
    });
    if (outcome.kind === 'issued') return outcome.tokens;
    return this.#reuseDetected(outcome, input, now);
  }

  async #reuseDetected(
    outcome: { token: RefreshTokenRecord | null; session: Session },
    input: RefreshInput,
    now: Date,
  ): Promise<never> {
    const { transaction } = this.#deps;
    await transaction(async (stores) => {
      await this.#endSession(stores, outcome.session.id, 'refresh_token_reuse', now);
      await this.#deps.audit.record(
        {
          type: 'refresh.reuse_detected',
          outcome: 'failure',
          actor: input.clientId === null ? null : `client:${input.clientId}`,
          subject: `session:${outcome.session.id}`,
          clientId: input.clientId,
          ip: input.ip,
          userAgent: input.userAgent,
          details: {
            user_id: outcome.session.userId,
            token: outcome.token === null ? 'access_token' : 'refresh_token',
          },
        },
        stores.audit,
      );
    });
    throw new RefreshFailed('reused');
  }

  /** Ends a session: its access tokens are refused at once and its refresh tokens are dead. */
  async end(sessionId: string, reason: string): Promise<boolean> {
    const now = this.#deps.clock.now();
    return this.#deps.transaction((stores) => this.#endSession(stores, sessionId, reason, now));
  }

  /** A sign-in in the browser: a session without tokens, named by the signed session cookie. */
  async openBrowserSession(
    user: User,
    maxAge: number,
    ip: string | null,
    userAgent: string | null,
  ): Promise<Session> {
    const now = this.#deps.clock.now();
    const session: Session = {
      id: randomId(),
      userId: user.id,
      clientId: null,
      kind: 'browser',
      authTime: now,
      amr: ['pwd'],
      createdAt: now,
      lastActiveAt: now,
      expiresAt: new Date(now.getTime() + maxAge * 1000),
      endedAt: null,
      endReason: null,
      newestAccessJti: null,
      previousAccessJti: null,
      accessRotatedAt: null,
      ip,
      userAgent,
    };
    await this.#deps.stores.sessions.insert(session);
    return session;
  }

  /**
   * The live browser session with this id and its user, or undefined: ended, past its absolute
   * end, idle for longer than `idleTimeout`, or its user disabled. Using it marks it active.
   */
  async resumeBrowserSession(
    id: string,
    idleTimeout: number,
  ): Promise<{ session: Session; user: User } | undefined> {
    const { stores, clock } = this.#deps;
    const now = clock.now();
    const session = await stores.sessions.findById(id);
    if (session === undefined || session.kind !== 'browser' || !sessionIsLive(session, now)) return undefined;
    if (now.getTime() - session.lastActiveAt.getTime() > idleTimeout * 1000) {
      await this.end(session.id, 'idle_timeout');
      return undefined;
    }
    const user = await stores.users.findById(session.userId);
    if (user === undefined || user.disabled) return undefined;
    await stores.sessions.touch(session.id, now);
    return { session, user };
  }

  /**
   * RFC 7009 for a refresh token: ends its whole session, so the access tokens of the same grant
   * stop too (§2.1 "SHOULD"). 'foreign' when the token belongs to another client.
   */
  async revokeRefreshToken(value: string, clientId: string): Promise<'revoked' | 'unknown' | 'foreign'> {
    const token = await this.#deps.stores.refreshTokens.findByHash(hashSecret(value));
    if (token === undefined) return 'unknown';
    if (token.clientId !== clientId) return 'foreign';
    await this.end(token.sessionId, 'refresh_token_revoked');
    return 'revoked';
  }

  /** Ends every session of a user (disabled account, deleted account). */
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

  async #rotate(
    stores: SessionStores,
    value: string,
    input: RefreshInput,
    now: Date,
  ): Promise<RotationOutcome> {
    const hash = hashSecret(value);
    const token = await stores.refreshTokens.findByHash(hash);
    if (token === undefined || token.clientId !== input.clientId || token.revokedAt !== null) {
      throw new RefreshFailed('invalid');
    }
    const session = await stores.sessions.findById(token.sessionId);
    if (session === undefined || !sessionIsLive(session, now)) throw new RefreshFailed('invalid');
    const user = await stores.users.findById(session.userId);
    if (user === undefined || user.disabled) throw new RefreshFailed('invalid');
    if (now.getTime() >= token.expiresAt.getTime() || now.getTime() >= token.absoluteExpiresAt.getTime()) {
      throw new RefreshFailed('expired');
    }
    const requested = input.scope ?? token.scope;
    const extra = requested.find((s) => !token.scope.includes(s));
    if (extra !== undefined)
      throw new ScopeNotGranted(`scope '${extra}' was not granted to this refresh token`);
    // A scope the client has lost since is not handed out again.
    const scope =
      input.allowedScopes === undefined
        ? requested
        : requested.filter((s) => input.allowedScopes?.includes(s));
    if (input.policy.refreshTtl === null) throw new RefreshFailed('invalid');

    const successor = this.#deps.successors.successorOf(value);
    const successorId = randomId();
    if (await stores.refreshTokens.markRotated(token.id, now, successorId)) {
      const refreshTtlMs = input.policy.refreshTtl * 1000;
      await stores.refreshTokens.insert({
        id: successorId,
        hash: successor.hash,
        sessionId: session.id,
        clientId: token.clientId,
        scope: token.scope,
        createdAt: now,
        expiresAt: new Date(Math.min(now.getTime() + refreshTtlMs, token.absoluteExpiresAt.getTime())),
        absoluteExpiresAt: token.absoluteExpiresAt,
        rotatedAt: null,
        replacedBy: null,
        revokedAt: null,
      });
    } else {
      // Rotated before: inside the grace window the caller gets the same successor (derived, so
      // it need not be stored); later it is a replay.
      const current = await stores.refreshTokens.findByHash(hash);
      const rotatedAt = current?.rotatedAt?.getTime() ?? 0;
      if (now.getTime() - rotatedAt > this.#deps.refreshGrace * 1000)
        return { kind: 'reused', token, session };
    }
    const accessToken = this.#accessToken(user, session, scope, input.policy.accessTtl, now);
    await stores.sessions.recordAccessToken(session.id, accessToken.jti, now);
    return { kind: 'issued', tokens: { session, user, accessToken, refreshToken: successor.value, scope } };
  }

  async #insertRefreshToken(
    stores: SessionStores,
    session: Session,
    clientId: string | null,
    scope: readonly string[],
    ttl: number,
    now: Date,
  ): Promise<string> {
    const token = newOpaqueToken();
    await stores.refreshTokens.insert({
      id: randomId(),
      hash: token.hash,
      sessionId: session.id,
      clientId,
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

  async #endSession(stores: SessionStores, sessionId: string, reason: string, now: Date): Promise<boolean> {
    const ended = await stores.sessions.end(sessionId, now, reason);
    await stores.refreshTokens.revokeSession(sessionId, now);
    return ended;
  }

  #accessToken(
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
}
