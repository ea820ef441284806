import type { Session } from '../../accounts/session.js';
import type { User } from '../../accounts/user.js';
import type { Clock } from '../../platform/clock.js';
import { newOpaqueToken } from '../../tokens/opaque.js';
import type { AuthorizationCodeStore, ConsentStore } from '../stores.js';
import { type AuthorizationRequest, RedirectableError, redirectWith } from './authorization-request.js';

export const codeLifetimeSeconds = 600;

export type AuthorizeOutcome =
  /** Send the browser back to the client (a code, or an error). */
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'signin' }
  | { readonly kind: 'consent' };

export interface AuthorizeDeps {
  readonly codes: AuthorizationCodeStore;
  readonly consents: ConsentStore;
  readonly clock: Clock;
  readonly issuer: string;
}

/**
 * The decision after validation: sign in (fresh enough for prompt and max_age), consent
 * (remembered per user + client + scopes, skipped for first-party clients), then a code.
 * With prompt=none, any needed interaction is an error sent back to the client instead.
 */
export async function authorize(
  request: AuthorizationRequest,
  browser: { session: Session; user: User } | undefined,
  deps: AuthorizeDeps,
): Promise<AuthorizeOutcome> {
  const now = deps.clock.now();
  const fail = (code: 'login_required' | 'consent_required', description: string): AuthorizeOutcome => ({
    kind: 'redirect',
    location: errorRedirect(
      new RedirectableError(code, description, request.redirectUri, request.state),
      deps.issuer,
    ),
  });

  // OIDC Core §3.1.2.1: max_age=0 means "sign in again", however recent the session.
  const tooOld =
    browser !== undefined &&
    request.maxAge !== undefined &&
    (request.maxAge === 0 || now.getTime() - browser.session.authTime.getTime() > request.maxAge * 1000);
  if (browser === undefined || request.prompt.has('login') || tooOld) {
    return request.prompt.has('none') ? fail('login_required', 'the user must sign in') : { kind: 'signin' };
  }

  const { client } = request;
  if (!client.firstParty) {
    const consent = await deps.consents.find(browser.user.id, client.id);
    const covered = consent !== undefined && request.scope.every((s) => consent.scopes.includes(s));
    if (!covered || request.prompt.has('consent')) {
      return request.prompt.has('none')
        ? fail('consent_required', 'the user must consent')
        : { kind: 'consent' };
    }
  }

  const code = newOpaqueToken();
  await deps.codes.insert({
    hash: code.hash,
    clientId: client.id,
    userId: browser.user.id,
    sessionId: browser.session.id,
    redirectUri: request.redirectUri,
    scope: request.scope,
    codeChallenge: request.codeChallenge,
    nonce: request.nonce ?? null,
    authTime: browser.session.authTime,
    amr: browser.session.amr,
    claims: request.claims ?? null,
    createdAt: now,
    expiresAt: new Date(now.getTime() + codeLifetimeSeconds * 1000),
    consumedAt: null,
    issuedSessionId: null,
  });
  return {
    kind: 'redirect',
    location: redirectWith(request.redirectUri, { code: code.value, state: request.state, iss: deps.issuer }),
  };
}

/** RFC 6749 §4.1.2.1 error redirect, with RFC 9207 `iss`. */
export function errorRedirect(error: RedirectableError, issuer: string): string {
  return redirectWith(error.redirectUri, {
    error: error.code,
    error_description: error.message,
    state: error.state,
    iss: issuer,
  });
}
