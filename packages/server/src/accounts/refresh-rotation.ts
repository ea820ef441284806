import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import { randomId } from '../platform/random.js';
import { hashSecret } from '../platform/secret-hash.js';
import type { RunInTransaction } from '../platform/transaction.js';
import type { IssuedAccessToken } from '../tokens/access-token.js';
import { lockRefreshToken } from './lock-order.js';
import { RefreshFailed, ScopeNotGranted } from './refresh-errors.js';
import { type RefreshTokenRecord, type Session, sessionIsLive } from './session.js';
import { endSessionForReuse } from './session-ending.js';
import type { IssuedTokens, SessionTokens, TokenPolicy } from './session-tokens.js';
import type { SessionStores } from './stores.js';
import type { User } from './user.js';

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

interface RefreshRotationDeps {
  readonly stores: SessionStores;
  readonly transaction: RunInTransaction<SessionStores>;
  readonly tokens: SessionTokens;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Seconds a rotated refresh token is still honoured. */
  readonly refreshGrace: number;
  readonly metrics: Metrics;
}

type Rotation = { kind: 'issued'; tokens: IssuedTokens } | { kind: 'reused'; session: Session };

/**
 * Refresh-token rotation (STYLE C16), for the refresh_token grant and the session API alike.
 * Every use returns a successor; a token rotated less than `refreshGrace` seconds ago returns the
 * same successor again (concurrent callers share one chain); presented later, it is a replay and
 * the whole session ends. One transaction per refresh, the session locked first
 * (accounts/lock-order.ts): detecting a replay and ending the session happen under one lock.
 */
export class RefreshRotation {
  readonly #deps: RefreshRotationDeps;

  constructor(deps: RefreshRotationDeps) {
    this.#deps = deps;
  }

  async refresh(value: string, input: RefreshInput): Promise<IssuedTokens> {
    const { transaction, clock, audit } = this.#deps;
    const now = clock.now();
    const outcome = await transaction(async (stores) => {
      const rotation = await this.#rotate(stores, value, input, now);
      if (rotation.kind === 'reused')
        await endSessionForReuse(stores, audit, rotation.session, 'refresh_token', input, now);
      return rotation;
    });
    if (outcome.kind === 'issued') return outcome.tokens;
    // Counted once the session's end is committed, not per attempt of a retried transaction.
    this.#deps.metrics.refused('refresh_reuse');
    throw new RefreshFailed('reused');
  }

  async #rotate(stores: SessionStores, value: string, input: RefreshInput, now: Date): Promise<Rotation> {
    const locked = await lockRefreshToken(stores, hashSecret(value));
    if (locked === undefined) throw new RefreshFailed('invalid');
    const { token, session } = locked;
    if (token.clientId !== input.clientId || token.revokedAt !== null) throw new RefreshFailed('invalid');
    if (!sessionIsLive(session, now)) throw new RefreshFailed('invalid');
    const user = await stores.users.findById(session.userId);
    if (user === undefined || user.disabled) throw new RefreshFailed('invalid');
    if (now.getTime() >= token.expiresAt.getTime() || now.getTime() >= token.absoluteExpiresAt.getTime()) {
      throw new RefreshFailed('expired');
    }
    const scope = grantedScope(token, input);
    const refreshTtl = input.policy.refreshTtl;
    if (refreshTtl === null) throw new RefreshFailed('invalid');

    const successor = this.#deps.tokens.successorOf(value);
    const successorId = randomId();
    if (token.rotatedAt === null && (await stores.refreshTokens.markRotated(token.id, now, successorId))) {
      await stores.refreshTokens.insert({
        id: successorId,
        hash: successor.hash,
        sessionId: session.id,
        clientId: token.clientId,
        scope: token.scope,
        createdAt: now,
        expiresAt: new Date(Math.min(now.getTime() + refreshTtl * 1000, token.absoluteExpiresAt.getTime())),
        absoluteExpiresAt: token.absoluteExpiresAt,
        rotatedAt: null,
        replacedBy: null,
        revokedAt: null,
      });
    } else {
      // Rotated before: inside the grace window the caller gets the same answer as the caller
      // that rotated it (the successor is derived, so it need not be stored); later it is a replay.
      // Read under the session's lock, `token` is current (were it not, it was rotated just now).
      const rotatedAt = (token.rotatedAt ?? now).getTime();
      if (now.getTime() - rotatedAt > this.#deps.refreshGrace * 1000) return { kind: 'reused', session };
      const again = this.#sameAccessToken(session, user, scope, input);
      if (again !== undefined)
        return { kind: 'issued', tokens: { ...again, refreshToken: successor.value, scope } };
    }
    const accessToken = this.#deps.tokens.accessToken(user, session, scope, input.policy.accessTtl, now);
    await stores.sessions.recordAccessToken(session.id, accessToken.jti, now);
    return { kind: 'issued', tokens: { session, user, accessToken, refreshToken: successor.value, scope } };
  }

  /**
   * The session's newest access token minted again (same jti, iat and exp), for a caller that
   * presents a just-rotated refresh token: concurrent refreshes then hold one access token
   * between them, so none of them later looks like a superseded one (a replay) on GET /token.
   * Undefined when the caller narrows the scope (RFC 6749 §6): it gets a token of its own.
   */
  #sameAccessToken(
    session: Session,
    user: User,
    scope: readonly string[],
    input: RefreshInput,
  ): { session: Session; user: User; accessToken: IssuedAccessToken } | undefined {
    if (input.scope !== undefined) return undefined;
    const issuedAt = session.accessRotatedAt;
    if (session.newestAccessJti === null || issuedAt === null) return undefined;
    const reissue = { jti: session.newestAccessJti, issuedAt: Math.floor(issuedAt.getTime() / 1000) };
    const accessToken = this.#deps.tokens.accessToken(
      user,
      session,
      scope,
      input.policy.accessTtl,
      issuedAt,
      reissue,
    );
    return { session, user, accessToken };
  }
}

/** RFC 6749 §6: the requested scope (or the original), never wider, minus what the client has lost since. */
function grantedScope(token: RefreshTokenRecord, input: RefreshInput): readonly string[] {
  const requested = input.scope ?? token.scope;
  const extra = requested.find((s) => !token.scope.includes(s));
  if (extra !== undefined)
    throw new ScopeNotGranted(`scope '${extra}' was not granted to this refresh token`);
  const allowed = input.allowedScopes;
  return allowed === undefined ? requested : requested.filter((s) => allowed.includes(s));
}
