import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import type { RunInTransaction } from '../platform/transaction.js';
import type { AccessTokenClaims } from '../tokens/access-token.js';
import { lockSession } from './lock-order.js';
import { RefreshFailed } from './refresh-errors.js';
import type { RefreshInput } from './refresh-rotation.js';
import { type Session, sessionIsLive } from './session.js';
import { endSessionForReuse } from './session-ending.js';
import type { IssuedTokens, SessionTokens } from './session-tokens.js';
import type { SessionStores } from './stores.js';

interface AccessTokenRefreshDeps {
  readonly transaction: RunInTransaction<SessionStores>;
  readonly tokens: SessionTokens;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Seconds during which the access token just superseded still gets the same successor. */
  readonly refreshGrace: number;
  readonly metrics: Metrics;
}

type Outcome = { kind: 'issued'; tokens: IssuedTokens } | { kind: 'reused'; session: Session };

/**
 * The session API's refresh by access token (existing clients send their current, often just
 * expired, access token to GET /token). Only the session's newest access token is accepted, and
 * only while the session has been used within the refresh lifetime; the one before it, within
 * the grace window, gets the same successor again (same jti, iat and exp); anything older is a
 * replay and ends the session. One transaction, the session locked first (accounts/lock-order.ts).
 */
export class AccessTokenRefresh {
  readonly #deps: AccessTokenRefreshDeps;

  constructor(deps: AccessTokenRefreshDeps) {
    this.#deps = deps;
  }

  /** `claims` come from the one access-token check (signature, revocation, live session, user). */
  async refresh(claims: AccessTokenClaims, input: RefreshInput): Promise<IssuedTokens> {
    const { transaction, clock, audit } = this.#deps;
    const now = clock.now();
    const outcome = await transaction(async (stores) => {
      const rotation = await this.#rotate(stores, claims, input, now);
      if (rotation.kind === 'reused')
        await endSessionForReuse(stores, audit, rotation.session, 'access_token', input, now);
      return rotation;
    });
    if (outcome.kind === 'issued') return outcome.tokens;
    this.#deps.metrics.refused('refresh_reuse');
    throw new RefreshFailed('reused');
  }

  async #rotate(
    stores: SessionStores,
    claims: AccessTokenClaims,
    input: RefreshInput,
    now: Date,
  ): Promise<Outcome> {
    const { tokens, refreshGrace } = this.#deps;
    // Locked, and read again inside the transaction: the newest jti is what concurrent refreshes race for.
    let session = claims.sid === undefined ? undefined : await lockSession(stores, claims.sid);
    if (session === undefined || session.kind !== 'api' || !sessionIsLive(session, now))
      throw new RefreshFailed('invalid');
    // The refresh window: a session unused for longer than the refresh lifetime cannot be refreshed.
    const refreshTtlMs = (input.policy.refreshTtl ?? 0) * 1000;
    if (now.getTime() - session.lastActiveAt.getTime() > refreshTtlMs) throw new RefreshFailed('expired');
    const user = await stores.users.findById(session.userId);
    if (user === undefined || user.disabled || user.id !== claims.sub) throw new RefreshFailed('invalid');
    const scope = (claims.scope ?? '').split(' ').filter((s) => s !== '');

    if (claims.jti === session.newestAccessJti) {
      const accessToken = tokens.accessToken(user, session, scope, input.policy.accessTtl, now);
      if (await stores.sessions.rotateAccessToken(session.id, claims.jti, accessToken.jti, now)) {
        return { kind: 'issued', tokens: { session, user, accessToken, refreshToken: undefined, scope } };
      }
      session = (await stores.sessions.findById(session.id)) as Session;
    }
    const rotatedAt = session.accessRotatedAt;
    const withinGrace = rotatedAt !== null && now.getTime() - rotatedAt.getTime() <= refreshGrace * 1000;
    if (claims.jti === session.previousAccessJti && withinGrace && session.newestAccessJti !== null) {
      const reissue = { jti: session.newestAccessJti, issuedAt: Math.floor(rotatedAt.getTime() / 1000) };
      const accessToken = tokens.accessToken(
        user,
        session,
        scope,
        input.policy.accessTtl,
        rotatedAt,
        reissue,
      );
      return { kind: 'issued', tokens: { session, user, accessToken, refreshToken: undefined, scope } };
    }
    return { kind: 'reused', session };
  }
}
