import type { Session } from '../../accounts/session.js';
import type { User } from '../../accounts/user.js';
import type { Clock } from '../../platform/clock.js';
import { newOpaqueToken } from '../../tokens/opaque.js';
import type { AuthorizationCodeStore } from '../stores.js';
import { type AuthorizationRequest, RedirectableError, redirectWith } from './authorization-request.js';
import type { Consents } from './consents.js';

export const codeLifetimeSeconds = 600;

export type Decision =
  /** Everything is met: issue a code. */
  | { readonly kind: 'issue' }
  /** Send the browser back to the client with an error (prompt=none could not be met). */
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'signin' }
  | { readonly kind: 'consent' };

/** What the interaction in progress has already done (interactions.ts). */
export interface Satisfied {
  /** The user signed in during this flow: prompt=login and max_age=0 are met. */
  readonly login: boolean;
  /** This user allowed this request during this flow: prompt=consent is met. */
  readonly consent: boolean;
}

const nothingYet: Satisfied = { login: false, consent: false };

/**
 * The decision after validation: sign in (fresh enough for prompt and max_age), consent
 * (remembered per user + client + scopes, skipped for first-party clients), then a code.
 * With prompt=none, any needed interaction is an error sent back to the client instead.
 */
export async function decide(
  request: AuthorizationRequest,
  browser: { session: Session; user: User } | undefined,
  deps: { readonly consents: Consents; readonly clock: Clock; readonly issuer: string },
  satisfied: Satisfied = nothingYet,
): Promise<Decision> {
  const now = deps.clock.now();
  const fail = (code: 'login_required' | 'consent_required', description: string): Decision => ({
    kind: 'redirect',
    location: errorRedirect(
      new RedirectableError(code, description, request.redirectUri, request.state),
      deps.issuer,
    ),
  });

  // OIDC Core §3.1.2.1: max_age=0 means "sign in again", however recent the session; a sign-in
  // made during this flow meets it and prompt=login, or the flow would ask forever. A positive
  // max_age is always measured, so a code never carries an auth_time older than it allows.
  const { maxAge } = request;
  const tooOld =
    browser !== undefined &&
    maxAge !== undefined &&
    (maxAge === 0 ? !satisfied.login : now.getTime() - browser.session.authTime.getTime() > maxAge * 1000);
  const mustSignIn = (request.prompt.has('login') && !satisfied.login) || tooOld;
  if (browser === undefined || mustSignIn) {
    return request.prompt.has('none') ? fail('login_required', 'the user must sign in') : { kind: 'signin' };
  }

  const { client } = request;
  if (!client.firstParty) {
    const mustAsk = request.prompt.has('consent') && !satisfied.consent;
    if (mustAsk || !(await deps.consents.covers(browser.user.id, request))) {
      return request.prompt.has('none')
        ? fail('consent_required', 'the user must consent')
        : { kind: 'consent' };
    }
  }
  return { kind: 'issue' };
}

/** A single-use code for the request and the browser's session; the redirect that carries it. */
export async function issueCode(
  request: AuthorizationRequest,
  browser: { session: Session; user: User },
  deps: { readonly codes: AuthorizationCodeStore; readonly clock: Clock; readonly issuer: string },
): Promise<string> {
  const now = deps.clock.now();
  const code = newOpaqueToken();
  await deps.codes.insert({
    hash: code.hash,
    clientId: request.client.id,
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
  return redirectWith(request.redirectUri, { code: code.value, state: request.state, iss: deps.issuer });
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
