import type { AuditLog } from '../audit/audit-log.js';
import { Overloaded } from '../limits/refusals.js';
import type { Attempt, SignInThrottle } from '../limits/sign-in-throttle.js';
import { AccountDisabled, type Authenticator, InvalidCredentials } from './authenticator.js';
import type { BrowserSessions } from './browser-sessions.js';
import type { Session } from './session.js';
import type { IssuedTokens, SessionService, TokenSessionRequest } from './sessions.js';
import type { User } from './user.js';

/** Which door a sign-in came through (SPEC: the session API, the browser form, the password grant, POST /oidc-login). */
export type SignInDoor = 'session_api' | 'browser' | 'password_grant' | 'password_change' | 'oidc_login';

export interface SignInContext {
  readonly via: SignInDoor;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The OAuth client asking (password grant). */
  readonly clientId?: string;
  /** A personal client's owner: anyone else is refused as if the credential were wrong. */
  readonly onlyUserId?: string | null;
  /** The upstream identity provider of a federated sign-in, for the audit record. */
  readonly provider?: string;
}

/** The browser's sign-in: a session without tokens, replacing the browser's previous one. */
export interface BrowserSessionRequest {
  readonly kind: 'browser';
  readonly replaces?: string;
}

export type RefusalReason = 'invalid_credentials' | 'account_disabled' | 'not_the_owner';
/** `detail`: what was wrong, when the authenticator said so in words safe to show (an upstream token's check). */
export type Refused = { readonly refused: RefusalReason; readonly detail?: string };
export type TokenSignIn = { readonly user: User; readonly tokens: IssuedTokens };
export type BrowserSignIn = { readonly user: User; readonly session: Session };

interface SignInDeps {
  readonly sessions: SessionService;
  readonly browserSessions: BrowserSessions;
  readonly audit: AuditLog;
  /** Brute-force defence, shared by every door; absent when rate limiting is off. */
  readonly throttle?: SignInThrottle | undefined;
}

/** With rate limiting off, an attempt reports to no one. */
const unthrottled: Attempt = {
  failed: async () => 0,
  succeeded: async () => {},
  abandoned: async () => {},
  shed: async () => {},
};

/**
 * The one sign-in path (STYLE C17): every door calls signIn with an authenticator. It applies the
 * brute-force backoff (throwing RateLimited before any password work), checks the credential,
 * opens the session with the authenticator's `amr`, and audits the attempt either way, with the
 * identity tried and never the secret.
 */
export class SignIn {
  readonly #deps: SignInDeps;

  constructor(deps: SignInDeps) {
    this.#deps = deps;
  }

  signIn<C>(
    authenticator: Authenticator<C>,
    credentials: C,
    context: SignInContext,
    opening: TokenSessionRequest,
  ): Promise<TokenSignIn | Refused>;
  signIn<C>(
    authenticator: Authenticator<C>,
    credentials: C,
    context: SignInContext,
    opening: BrowserSessionRequest,
  ): Promise<BrowserSignIn | Refused>;
  async signIn<C>(
    authenticator: Authenticator<C>,
    credentials: C,
    context: SignInContext,
    opening: TokenSessionRequest | BrowserSessionRequest,
  ): Promise<TokenSignIn | BrowserSignIn | Refused> {
    const identity = authenticator.claimedIdentity(credentials);
    const checked = await this.#check(authenticator, credentials, identity, context);
    if ('refused' in checked) return checked;
    const { user } = checked;

    const { sessions, browserSessions } = this.#deps;
    const amr = authenticator.amr;
    const meta = { ip: context.ip, userAgent: context.userAgent };
    if (opening.kind === 'browser') {
      if (opening.replaces !== undefined) await sessions.end(opening.replaces, 'replaced');
      const session = await browserSessions.open(user, amr, meta);
      await this.#succeeded(user, session, identity, context);
      return { user, session };
    }
    const tokens = await sessions.open({ ...opening, user, amr, ...meta });
    await this.#succeeded(user, tokens.session, identity, context);
    return { user, tokens };
  }

  /**
   * Checks a credential again for someone already signed in, before a change that needs it (a new
   * password): the same brute-force backoff and the same audit of a failure as a sign-in, and no
   * session opened. A credential that proves anyone but `context.onlyUserId` is refused.
   */
  async confirm<C>(
    authenticator: Authenticator<C>,
    credentials: C,
    context: SignInContext & { readonly onlyUserId: string },
  ): Promise<{ readonly user: User } | Refused> {
    return this.#check(authenticator, credentials, authenticator.claimedIdentity(credentials), context);
  }

  /** The credential, under the brute-force backoff: the user it proves, or why it was refused (audited). */
  async #check<C>(
    authenticator: Authenticator<C>,
    credentials: C,
    identity: string,
    context: SignInContext,
  ): Promise<{ readonly user: User } | Refused> {
    const attempt = (await this.#deps.throttle?.begin(identity, context.ip)) ?? unthrottled;
    let user: User;
    try {
      user = await authenticator.authenticate(credentials, { ip: context.ip });
    } catch (error) {
      if (error instanceof InvalidCredentials)
        return this.#refuse('invalid_credentials', null, identity, context, attempt, explained(error));
      if (error instanceof AccountDisabled)
        return this.#refuse('account_disabled', error.user, identity, context, attempt);
      await (error instanceof Overloaded ? attempt.shed() : attempt.abandoned());
      throw error;
    }
    if (context.onlyUserId != null && context.onlyUserId !== user.id)
      return this.#refuse('not_the_owner', user, identity, context, attempt);
    await attempt.succeeded();
    return { user };
  }

  async #succeeded(user: User, session: Session, identity: string, context: SignInContext): Promise<void> {
    await this.#deps.audit.record({
      type: 'login.succeeded',
      actor: `user:${user.id}`,
      subject: `session:${session.id}`,
      clientId: context.clientId ?? null,
      ip: context.ip,
      userAgent: context.userAgent,
      details: {
        via: context.via,
        username: identity,
        amr: session.amr.join(' '),
        ...(context.provider === undefined ? {} : { idp: context.provider }),
      },
    });
  }

  async #refuse(
    refused: RefusalReason,
    user: User | null,
    identity: string,
    context: SignInContext,
    attempt: Attempt,
    detail?: string,
  ): Promise<Refused> {
    const backoff = await attempt.failed();
    await this.#deps.audit.record({
      type: 'login.failed',
      outcome: 'failure',
      actor: context.clientId === undefined ? null : `client:${context.clientId}`,
      subject: user === null ? null : `user:${user.id}`,
      clientId: context.clientId ?? null,
      ip: context.ip,
      userAgent: context.userAgent,
      details: {
        reason: refused,
        via: context.via,
        username: identity,
        ...(context.provider === undefined ? {} : { idp: context.provider }),
        ...(detail === undefined ? {} : { detail }),
        ...(backoff > 0 ? { backoff_seconds: backoff } : {}),
      },
    });
    return detail === undefined ? { refused } : { refused, detail };
  }
}

/** An authenticator's refusal may carry `detail`, words meant for the caller (never the secret). */
function explained(error: InvalidCredentials): string | undefined {
  const detail = (error as { detail?: unknown }).detail;
  return typeof detail === 'string' ? detail : undefined;
}
