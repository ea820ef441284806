import type { AuditLog } from '../audit/audit-log.js';
import { type AccessTokenClaims, AccessTokenError } from '../tokens/access-token.js';
import { tokenKind } from '../tokens/token-kind.js';
import type { AccessTokenRefresh } from './access-token-refresh.js';
import type { PasswordAuthenticator, PasswordCredentials } from './password-authenticator.js';
import { RefreshFailed } from './refresh-errors.js';
import type { RefreshRotation } from './refresh-rotation.js';
import { type Session, sessionApiClientId } from './session.js';
import type { TokenPolicy } from './session-tokens.js';
import type { SessionService } from './sessions.js';
import type { Refused, SignIn } from './sign-in.js';
import type { User } from './user.js';

export interface RequestMeta {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface SessionApiSettings {
  readonly accessTtl: number;
  readonly refreshTtl: number;
  readonly maxAge: number;
  /** Whether GET /token also takes the session's newest access token (TESSERA_SESSION_ACCESS_TOKEN_REFRESH). */
  readonly accessTokenRefresh: boolean;
}

/**
 * The one access-token check (oauth/access-token-check.ts), as the session API uses it: an
 * expired token may be accepted for refresh, up to `acceptExpiredFor` seconds past its expiry.
 */
export type CheckAccessToken = (
  token: string,
  options?: { acceptExpiredFor?: number },
) => Promise<{ claims: AccessTokenClaims; user: User | undefined }>;

interface SessionApiDeps {
  readonly audit: AuditLog;
  readonly signIn: SignIn;
  readonly passwords: PasswordAuthenticator;
  readonly sessions: SessionService;
  readonly rotation: RefreshRotation;
  readonly accessTokenRefresh: AccessTokenRefresh;
  readonly checkAccessToken: CheckAccessToken;
  readonly settings: SessionApiSettings;
}

export interface SessionApiTokens {
  readonly accessToken: string;
  /** Absent when the refresh used an access token. */
  readonly refreshToken: string | undefined;
}

/**
 * The first-party session API's rules (POST /login, GET /token, POST /logout), with its token
 * policy built once from the configuration; http/session-api only maps them to HTTP.
 */
export class SessionApi {
  readonly policy: TokenPolicy;
  readonly #deps: SessionApiDeps;

  constructor(deps: SessionApiDeps) {
    this.#deps = deps;
    const { accessTtl, refreshTtl, maxAge } = deps.settings;
    this.policy = Object.freeze({ accessTtl, refreshTtl, maxAge });
  }

  /** The refresh token's lifetime (s): how long the refresh cookie lives. */
  get refreshTtl(): number {
    return this.#deps.settings.refreshTtl;
  }

  async login(
    credentials: PasswordCredentials,
    meta: RequestMeta,
  ): Promise<Refused | { user: User; session: Session; tokens: SessionApiTokens }> {
    const { signIn, passwords } = this.#deps;
    const outcome = await signIn.signIn(
      passwords,
      credentials,
      { via: 'session_api', ...meta },
      { kind: 'api', clientId: null, scope: [], policy: this.policy },
    );
    if ('refused' in outcome) return outcome;
    const { user, tokens } = outcome;
    return {
      user,
      session: tokens.session,
      tokens: { accessToken: tokens.accessToken.token, refreshToken: tokens.refreshToken },
    };
  }

  /**
   * GET /token: a refresh token rotates; the session's newest access token (even just expired)
   * gets a successor. Tells the two apart by their form; RefreshFailed when neither works.
   */
  async refresh(presented: string, meta: RequestMeta): Promise<SessionApiTokens> {
    const input = { clientId: null, policy: this.policy, ...meta };
    if (tokenKind(presented) === 'opaque') {
      const issued = await this.#deps.rotation.refresh(presented, input);
      return { accessToken: issued.accessToken.token, refreshToken: issued.refreshToken };
    }
    if (!this.#deps.settings.accessTokenRefresh) throw new RefreshFailed('invalid');
    const claims = await this.#sessionAccessToken(presented);
    const issued = await this.#deps.accessTokenRefresh.refresh(claims, input);
    return { accessToken: issued.accessToken.token, refreshToken: undefined };
  }

  /** POST /logout: ends the session of a checked access token, audited. */
  async logout(user: User, sessionId: string, meta: RequestMeta): Promise<void> {
    await this.#deps.sessions.end(sessionId, 'logout');
    await this.#deps.audit.record({
      type: 'logout',
      actor: `${user.kind === 'service' ? 'service' : 'user'}:${user.id}`,
      subject: `session:${sessionId}`,
      ...meta,
    });
  }

  /**
   * A session API access token of ours through the one check, up to the refresh lifetime past its
   * expiry (older ones are simply invalid: they cannot end a session as a replay); whether the
   * session itself may still refresh is AccessTokenRefresh's rule (used within the refresh lifetime).
   */
  async #sessionAccessToken(token: string): Promise<AccessTokenClaims> {
    try {
      const { claims, user } = await this.#deps.checkAccessToken(token, {
        acceptExpiredFor: this.#deps.settings.refreshTtl,
      });
      if (user === undefined || claims.client_id !== sessionApiClientId) throw new RefreshFailed('invalid');
      return claims;
    } catch (error) {
      if (error instanceof AccessTokenError) throw new RefreshFailed('invalid');
      throw error;
    }
  }
}
