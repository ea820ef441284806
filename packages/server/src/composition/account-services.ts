import { AccessTokenRefresh } from '../accounts/access-token-refresh.js';
import { BrowserSessions } from '../accounts/browser-sessions.js';
import { PasswordAuthenticator } from '../accounts/password-authenticator.js';
import { RefreshRotation } from '../accounts/refresh-rotation.js';
import { type CheckAccessToken, SessionApi } from '../accounts/session-api.js';
import { SessionTokens } from '../accounts/session-tokens.js';
import { SessionService } from '../accounts/sessions.js';
import { SignIn } from '../accounts/sign-in.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/config.js';
import type { SignInThrottle } from '../limits/sign-in-throttle.js';
import type { Clock } from '../platform/clock.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import type { RunInTransaction } from '../platform/transaction.js';
import type { Stores } from '../storage/repositories/index.js';
import type { AccessTokens } from '../tokens/access-token.js';
import { RefreshSuccessors } from '../tokens/refresh-successor.js';

interface AccountServiceDeps {
  readonly config: Config;
  readonly stores: Stores;
  readonly transaction: RunInTransaction<Stores>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly accessTokens: AccessTokens;
  readonly checkAccessToken: CheckAccessToken;
  /** Secret that derives refresh-token successors (the master secret). */
  readonly successorKey: string;
  /** The brute-force defence; absent when rate limiting is off. */
  readonly throttle: SignInThrottle | undefined;
  readonly metrics: Metrics;
}

/** Sessions, rotation, the sign-in use case and the session API, wired once (part of the composition root). */
export function accountServices(deps: AccountServiceDeps) {
  const { config, stores, transaction, audit, clock, accessTokens, checkAccessToken } = deps;
  const sessionTokens = new SessionTokens({
    accessTokens,
    successors: new RefreshSuccessors(deps.successorKey),
    clock,
    audience: config.audience,
  });
  const sessions = new SessionService({ stores, transaction, tokens: sessionTokens, clock });
  const rotation = new RefreshRotation({
    stores,
    transaction,
    tokens: sessionTokens,
    audit,
    clock,
    refreshGrace: config.refreshGrace,
    metrics: deps.metrics,
  });
  const browserSessions = new BrowserSessions({
    sessions: stores.sessions,
    users: stores.users,
    clock,
    maxAge: config.sessionMaxAge,
    idleTimeout: config.browserIdleTimeout,
  });
  const passwords = new PasswordAuthenticator(stores.users, clock, config.passwordHashQueue);
  const signIn = new SignIn({ sessions, browserSessions, audit, throttle: deps.throttle });
  const sessionApi = new SessionApi({
    signIn,
    passwords,
    sessions,
    rotation,
    accessTokenRefresh: new AccessTokenRefresh({
      transaction,
      tokens: sessionTokens,
      audit,
      clock,
      refreshGrace: config.refreshGrace,
      metrics: deps.metrics,
    }),
    checkAccessToken,
    audit,
    settings: {
      accessTtl: config.sessionAccessTtl,
      refreshTtl: config.sessionRefreshTtl,
      maxAge: config.sessionMaxAge,
      accessTokenRefresh: config.sessionAccessTokenRefresh,
    },
  });
  return { sessions, rotation, browserSessions, passwords, signIn, sessionApi };
}
