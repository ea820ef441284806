import type { SessionService } from '../accounts/sessions.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ClientDirectory } from '../clients/client-directory.js';
import type { IdTokens } from '../tokens/id-token.js';
import { redirectWith } from './authorize/authorization-request.js';

export interface LogoutRequest {
  readonly idTokenHint?: string;
  readonly postLogoutRedirectUri?: string;
  readonly state?: string;
  readonly clientId?: string;
}

/** Why a logout request is refused: shown as a page, never redirected. */
export type LogoutRefusal = 'invalid_hint' | 'two_clients' | 'unregistered_redirect';

export class LogoutRefused extends Error {
  override readonly name = 'LogoutRefused';
  readonly reason: LogoutRefusal;
  constructor(reason: LogoutRefusal) {
    super(reason);
    this.reason = reason;
  }
}

export type LogoutDecision =
  /** Sign out at once; then go to `location`, or show the signed-out page. */
  | { readonly kind: 'sign_out'; readonly location: string | undefined }
  /** Ask the user first; the confirmation form carries these fields. */
  | { readonly kind: 'confirm'; readonly hidden: Readonly<Record<string, string>> };

interface RpLogoutDeps {
  readonly clients: ClientDirectory;
  readonly idTokens: IdTokens;
  readonly sessions: SessionService;
  readonly audit: AuditLog;
}

/**
 * OpenID Connect RP-Initiated Logout 1.0. With a valid id_token_hint for this browser's own
 * session the sign-out happens at once; otherwise the user confirms it (so a stray link, or
 * someone else's ID token, cannot sign anyone out: logout CSRF). Only a post_logout_redirect_uri
 * registered for the client is followed.
 */
export class RpLogout {
  readonly #deps: RpLogoutDeps;

  constructor(deps: RpLogoutDeps) {
    this.#deps = deps;
  }

  /** GET /oauth/logout: sign out now, or ask first. `browserSessionId` is the browser's own session. */
  async decide(request: LogoutRequest, browserSessionId: string | undefined): Promise<LogoutDecision> {
    let clientId = request.clientId;
    if (request.idTokenHint !== undefined) {
      const hint = await this.#deps.idTokens.readHint(request.idTokenHint);
      if (hint === undefined) throw new LogoutRefused('invalid_hint');
      if (clientId !== undefined && clientId !== hint.audience) throw new LogoutRefused('two_clients');
      clientId = hint.audience;
      if (browserSessionId === undefined || hint.sid === browserSessionId) {
        return { kind: 'sign_out', location: await this.destination({ ...request, clientId }) };
      }
    }
    await this.destination({ ...request, clientId });
    const hidden: Record<string, string> = {};
    if (request.postLogoutRedirectUri !== undefined)
      hidden.post_logout_redirect_uri = request.postLogoutRedirectUri;
    if (request.state !== undefined) hidden.state = request.state;
    if (clientId !== undefined) hidden.client_id = clientId;
    return { kind: 'confirm', hidden };
  }

  /** Where to go after signing out (with `state`), or undefined; LogoutRefused for an unregistered URI. */
  async destination(request: LogoutRequest): Promise<string | undefined> {
    const uri = request.postLogoutRedirectUri;
    if (uri === undefined) return undefined;
    const entry =
      request.clientId === undefined ? undefined : await this.#deps.clients.find(request.clientId);
    const client = entry === undefined || entry.client.revokedAt !== null ? undefined : entry.client;
    if (client === undefined || !client.postLogoutRedirectUris.includes(uri))
      throw new LogoutRefused('unregistered_redirect');
    return redirectWith(uri, { state: request.state });
  }

  /** Ends the browser's sign-in session, audited. */
  async signOut(
    browser: { sessionId: string; userId: string } | undefined,
    meta: { ip: string | null; userAgent: string | null },
  ): Promise<void> {
    if (browser === undefined) return;
    await this.#deps.sessions.end(browser.sessionId, 'logout');
    await this.#deps.audit.record({
      type: 'logout',
      actor: `user:${browser.userId}`,
      subject: `session:${browser.sessionId}`,
      ...meta,
      details: { via: 'rp_initiated_logout' },
    });
  }
}
