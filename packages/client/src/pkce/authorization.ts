import * as oauth from 'oauth4webapi';
import { ProtocolError } from '../errors.js';
import { type OAuthContext, oauthStep } from '../internal/oauth.js';
import type { Tokens } from '../storage/token-store.js';
import { parsePending, pendingKey, type StateStorage } from './state-store.js';

export interface AuthorizeOptions {
  /** Overrides the client's scope for this request. */
  readonly scope?: string;
  readonly prompt?: string;
  /** OIDC max_age in seconds; the ID token's auth_time is then checked against it. */
  readonly maxAge?: number;
  readonly loginHint?: string;
  /** Any other authorization-request parameters. */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** The ID token's claims after validation (iss, aud, exp, iat, nonce, auth_time against max_age, signature). */
export type IdTokenClaims = oauth.IDToken;

export interface SignInResult {
  readonly tokens: Tokens;
  /** Undefined when `openid` was not requested. */
  readonly claims: IdTokenClaims | undefined;
}

/** What the client was created with that the two steps need. */
export interface AuthorizationSettings {
  readonly redirectUri: string;
  readonly scope: string;
}

/**
 * Step one: the authorization URL, with a fresh state, nonce and PKCE verifier (S256). They wait
 * in the state storage under the state, so several sign-ins (tabs, popups) can be pending at once.
 */
export async function startAuthorization(
  context: OAuthContext,
  states: StateStorage,
  settings: AuthorizationSettings,
  request: AuthorizeOptions,
): Promise<URL> {
  const as = await context.server();
  if (as.authorization_endpoint === undefined)
    throw new ProtocolError('invalid_response', 'no authorization_endpoint');
  const scope = request.scope ?? settings.scope;
  const openid = scope.split(' ').includes('openid');
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = openid ? oauth.generateRandomNonce() : undefined;
  const url = new URL(as.authorization_endpoint);
  const parameters: Record<string, string> = {
    ...request.parameters,
    response_type: 'code',
    client_id: context.clientId,
    redirect_uri: settings.redirectUri,
    scope,
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...(nonce !== undefined && { nonce }),
    ...(request.prompt !== undefined && { prompt: request.prompt }),
    ...(request.maxAge !== undefined && { max_age: String(request.maxAge) }),
    ...(request.loginHint !== undefined && { login_hint: request.loginHint }),
  };
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  await states.setItem(
    pendingKey(context.clientId, state),
    JSON.stringify({ verifier, nonce, redirectUri: settings.redirectUri, maxAge: request.maxAge, openid }),
  );
  return url;
}

/**
 * Step two, from the redirect URL: finds the pending request by `state` and uses it up, checks
 * `iss` (RFC 9207) and the state, exchanges the code with the verifier, and validates the ID token
 * (claims, then signature against the issuer's JWKS).
 */
export async function completeAuthorization(
  context: OAuthContext,
  states: StateStorage,
  url: string | URL,
): Promise<SignInResult> {
  const callback = new URL(url);
  const state = callback.searchParams.get('state');
  const key = state === null ? undefined : pendingKey(context.clientId, state);
  const pending = key === undefined ? undefined : parsePending(await states.getItem(key));
  if (state === null || key === undefined || pending === undefined) {
    throw new ProtocolError('invalid_state', 'no pending authorization request has this state');
  }
  // One use only, whatever happens next: a replayed or forged callback finds nothing.
  await states.removeItem(key);
  const as = await context.server();
  const client = context.client();
  const parameters = validateCallback(as, client, callback, state);
  const response = await oauthStep(() =>
    oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      parameters,
      pending.redirectUri,
      pending.verifier,
      context.http,
    ),
  );
  const result = await oauthStep(() =>
    oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: pending.nonce ?? oauth.expectNoNonce,
      requireIdToken: pending.openid,
      ...(pending.maxAge !== undefined && { maxAge: pending.maxAge }),
    }),
  );
  const claims = oauth.getValidatedIdTokenClaims(result);
  if (claims !== undefined) {
    // oauth4webapi checked the claims; the signature as well, so nothing rests on the transport alone.
    await oauthStep(() => oauth.validateApplicationLevelSignature(as, response, context.http));
  }
  return { tokens: context.tokens(result), claims };
}

/** oauth4webapi's callback checks, with the two that matter named: `iss` (mix-up) and `state` (CSRF). */
function validateCallback(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  callback: URL,
  state: string,
): URLSearchParams {
  try {
    return oauth.validateAuthResponse(as, client, callback.searchParams, state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      throw new ProtocolError(error.error, error.error_description, { cause: error });
    }
    if (error instanceof oauth.OperationProcessingError) {
      const code = error.message.includes('"iss"')
        ? 'invalid_issuer'
        : error.message.includes('"state"')
          ? 'invalid_state'
          : 'invalid_response';
      throw new ProtocolError(code, error.message, { cause: error });
    }
    throw error;
  }
}
