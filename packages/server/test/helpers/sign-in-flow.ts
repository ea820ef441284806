import type { App } from '../../src/http/types.js';
import { authorizeUrl, hiddenField, type Step, type TestBrowser } from './browser.js';

/**
 * The browser side of an authorization request: the sign-in and consent forms, and the code
 * exchange after them. Tests drive the pages through these, so how a page carries the flow in
 * progress (today the hidden `interaction` field) is written in one place.
 */

export interface Credentials {
  readonly username?: string;
  readonly password?: string;
}

/** The password createPerson gives by default. */
export const defaultPassword = 'correct horse battery';

/** The hidden fields of a page's form: its CSRF token and the authorization request it belongs to. */
export function formFields(page: Pick<Step, 'body'>): Record<string, string> {
  return {
    csrf_token: hiddenField(page.body, 'csrf_token'),
    interaction: hiddenField(page.body, 'interaction'),
  };
}

export const isSignInPage = (step: Step) => step.status === 200 && step.body.includes('name="password"');
export const isConsentPage = (step: Step) =>
  step.status === 200 && step.body.includes('name="decision" value="allow"');

/** Submits the sign-in form shown on `page` (alice and her default password unless told otherwise). */
export function submitSignIn(browser: TestBrowser, page: Step, credentials: Credentials = {}): Promise<Step> {
  return browser.post('/signin', {
    ...formFields(page),
    username: credentials.username ?? 'alice',
    password: credentials.password ?? defaultPassword,
  });
}

/** Answers the consent page shown on `page`. */
export function submitConsent(
  browser: TestBrowser,
  page: Step,
  decision: 'allow' | 'deny' = 'allow',
): Promise<Step> {
  return browser.post('/consent', { ...formFields(page), decision });
}

/**
 * Runs an authorization request until the browser leaves this server, signing in and allowing
 * consent whenever a page asks; records which pages were shown.
 */
export async function signInAndConsent(
  browser: TestBrowser,
  query: Record<string, string>,
  credentials: Credentials = {},
): Promise<{ final: Step; shown: Array<'signin' | 'consent'> }> {
  const shown: Array<'signin' | 'consent'> = [];
  let step = await browser.follow(await browser.get(authorizeUrl(query)));
  for (let i = 0; i < 4; i += 1) {
    if (isSignInPage(step)) {
      shown.push('signin');
      step = await browser.follow(await submitSignIn(browser, step, credentials));
    } else if (isConsentPage(step)) {
      shown.push('consent');
      step = await browser.follow(await submitConsent(browser, step));
    } else break;
  }
  return { final: step, shown };
}

/** The `code` of the redirect that `step` answers, if any. */
export function codeOf(step: Step): string | null {
  return step.location === undefined ? null : new URL(step.location).searchParams.get('code');
}

export interface CodeExchange {
  readonly code: string;
  readonly verifier: string;
  readonly clientId: string;
  readonly redirectUri: string;
  /** Other token-request parameters, or overrides of those above. */
  readonly extra?: Record<string, string>;
  /** The request body's encoding; RFC 6749 form by default. */
  readonly encoding?: 'form' | 'json';
}

/** POST /oauth/token with grant_type=authorization_code, for a public client (PKCE, no secret). */
export function exchangeCode(app: App, exchange: CodeExchange) {
  const body = {
    grant_type: 'authorization_code',
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
    client_id: exchange.clientId,
    code_verifier: exchange.verifier,
    ...exchange.extra,
  };
  const json = exchange.encoding === 'json';
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
    payload: json ? JSON.stringify(body) : new URLSearchParams(body).toString(),
  });
}
