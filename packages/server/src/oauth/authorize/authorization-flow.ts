import type { Session } from '../../accounts/session.js';
import type { User } from '../../accounts/user.js';
import type { ClientDirectory } from '../../clients/client-directory.js';
import type { Clock } from '../../platform/clock.js';
import type { AuthorizationCodeStore } from '../stores.js';
import {
  type AuthorizationRequest,
  type RawParams,
  RedirectableError,
  validateAuthorizationRequest,
} from './authorization-request.js';
import { decide, errorRedirect, issueCode, type Satisfied } from './authorize.js';
import type { Consents } from './consents.js';
import type { Interactions } from './interactions.js';

export type BrowserUser = { readonly session: Session; readonly user: User };

/**
 * The browser a step comes from: its signed-in user, if any, and its browser key (a secret the
 * browser holds in an HttpOnly cookie) that binds interactions to it.
 */
export interface Browser {
  readonly signedIn: BrowserUser | undefined;
  readonly key: string;
}

/** Where the browser goes next. */
export type FlowStep =
  /** Back to the application: a code or an error. */
  | { readonly kind: 'redirect'; readonly location: string }
  /** To a page of the interaction in progress; `loginHint` pre-fills the sign-in form. */
  | { readonly kind: 'signin' | 'consent'; readonly interaction: string; readonly loginHint?: string };

/** The interaction id is unknown, expired, finished or another browser's: start again from the application. */
export class InteractionNotFound extends Error {
  override readonly name = 'InteractionNotFound';
}

interface AuthorizationFlowDeps {
  readonly clients: ClientDirectory;
  readonly codes: AuthorizationCodeStore;
  readonly consents: Consents;
  readonly interactions: Interactions;
  readonly clock: Clock;
  readonly issuer: string;
}

/**
 * The browser's authorization flow (RFC 6749 §4.1 with OIDC's prompt and max_age): GET
 * /oauth/authorize starts it, sign-in and consent record what they did on the interaction, and
 * resuming decides again until the browser goes back to the application. An untrustworthy
 * request surfaces as UntrustedRequest (a page); other invalid ones become error redirects.
 */
export class AuthorizationFlow {
  readonly #deps: AuthorizationFlowDeps;

  constructor(deps: AuthorizationFlowDeps) {
    this.#deps = deps;
  }

  async start(params: RawParams, browser: Browser): Promise<FlowStep> {
    const request = await this.#validate(params);
    if ('location' in request) return request;
    return this.#next(request.validated, browser, { params }, { login: false, consent: false });
  }

  /** After a page of the interaction: decide again with what it has done. */
  async resume(id: string | undefined, browser: Browser): Promise<FlowStep> {
    const interaction = await this.#deps.interactions.find(id, browser.key);
    if (interaction === undefined || id === undefined) throw new InteractionNotFound('no such interaction');
    const request = await this.#validate(interaction.params);
    if ('location' in request) {
      await this.#deps.interactions.finish(id);
      return request;
    }
    const { signedIn } = browser;
    const satisfied: Satisfied = {
      // Only a sign-in in this very browser session counts, and only this user's consent.
      login: signedIn !== undefined && interaction.loginSessionId === signedIn.session.id,
      consent: signedIn !== undefined && interaction.consentedUserId === signedIn.user.id,
    };
    return this.#next(request.validated, browser, { id }, satisfied);
  }

  /** The request an interaction of this browser carries, for its pages; undefined when gone or no longer valid. */
  async pending(id: string | undefined, browserKey: string): Promise<AuthorizationRequest | undefined> {
    const interaction = await this.#deps.interactions.find(id, browserKey);
    if (interaction === undefined) return undefined;
    try {
      return await validateAuthorizationRequest(interaction.params, this.#deps.clients);
    } catch {
      return undefined;
    }
  }

  /** The user signed in on the interaction's sign-in page; false when there is no such interaction. */
  async signedIn(id: string | undefined, browserKey: string, session: Session): Promise<boolean> {
    if (id === undefined || (await this.#deps.interactions.find(id, browserKey)) === undefined) return false;
    await this.#deps.interactions.recordLogin(id, session.id);
    return true;
  }

  /** The user allowed the request: remembered for next time, and met for this flow. */
  async allow(id: string, browserKey: string, user: User): Promise<void> {
    const request = await this.#required(id, browserKey);
    await this.#deps.consents.allow(user.id, request);
    await this.#deps.interactions.recordConsent(id, user.id);
  }

  /** The user denied the request: the application learns `access_denied`. */
  async deny(id: string, browserKey: string): Promise<string> {
    const request = await this.#required(id, browserKey);
    if (!(await this.#deps.interactions.finish(id))) throw new InteractionNotFound('already finished');
    const denied = new RedirectableError(
      'access_denied',
      'the user denied the request',
      request.redirectUri,
      request.state,
    );
    return errorRedirect(denied, this.#deps.issuer);
  }

  async #required(id: string, browserKey: string): Promise<AuthorizationRequest> {
    const request = await this.pending(id, browserKey);
    if (request === undefined) throw new InteractionNotFound('no such interaction');
    return request;
  }

  /** The validated request, or the error redirect an invalid one earns; UntrustedRequest is thrown. */
  async #validate(
    params: RawParams,
  ): Promise<{ validated: AuthorizationRequest } | { kind: 'redirect'; location: string }> {
    try {
      return { validated: await validateAuthorizationRequest(params, this.#deps.clients) };
    } catch (error) {
      if (error instanceof RedirectableError)
        return { kind: 'redirect', location: errorRedirect(error, this.#deps.issuer) };
      throw error;
    }
  }

  /** Decides; a new interaction when a page is needed, a code (finishing the interaction once) when not. */
  async #next(
    request: AuthorizationRequest,
    browser: Browser,
    interaction: { id: string } | { params: RawParams },
    satisfied: Satisfied,
  ): Promise<FlowStep> {
    const { codes, consents, clock, issuer, interactions } = this.#deps;
    const decision = await decide(request, browser.signedIn, { consents, clock, issuer }, satisfied);
    const id = 'id' in interaction ? interaction.id : undefined;
    if (decision.kind === 'redirect' || decision.kind === 'issue') {
      // Finishing is the lock: of two concurrent resumes only one gets a code.
      if (id !== undefined && !(await interactions.finish(id)))
        throw new InteractionNotFound('already finished');
      if (decision.kind === 'redirect') return decision;
      const location = await issueCode(request, browser.signedIn as BrowserUser, { codes, clock, issuer });
      return { kind: 'redirect', location };
    }
    const next = id ?? (await interactions.start((interaction as { params: RawParams }).params, browser.key));
    if (decision.kind === 'consent' || request.loginHint === undefined)
      return { kind: decision.kind, interaction: next };
    return { kind: decision.kind, interaction: next, loginHint: request.loginHint };
  }
}
