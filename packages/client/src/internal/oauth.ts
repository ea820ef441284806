import * as oauth from 'oauth4webapi';
import { ProtocolError, TesseraError } from '../errors.js';
import type { Tokens } from '../storage/token-store.js';
import { type Clock, epochSeconds, systemClock } from './clock.js';
import { jwtExpiry } from './jwt.js';
import { type FetchLike, type RateLimitPolicy, rateLimitedFetch, rateLimitPolicy } from './rate-limit.js';

/** Options every oauth4webapi-based client takes. */
export interface OAuthClientOptions {
  /** The issuer URL exactly as in Tessera's discovery document. */
  readonly issuer: string;
  readonly clientId: string;
  /** Injected fetch (tests, proxies); default the global one. */
  readonly fetch?: FetchLike;
  /** Injected clock; default the system clock. */
  readonly clock?: Clock;
  /** Bounded waiting on 429 Retry-After; default 2 retries, 10 s in all. */
  readonly rateLimit?: RateLimitPolicy;
  /**
   * Allow an `http:` issuer. Default: only for loopback hosts (127.0.0.1, [::1], localhost),
   * which is how development and tests run; anything else must be https.
   */
  readonly allowInsecureRequests?: boolean;
}

export interface OAuthHttpOptions {
  readonly [oauth.customFetch]: (
    url: string,
    init: oauth.CustomFetchOptions<string, unknown>,
  ) => Promise<Response>;
  readonly [oauth.allowInsecureRequests]: boolean;
  readonly [oauth.jwksCache]: oauth.JWKSCacheInput;
}

/** One client's view of one issuer: discovery (cached), request options, and its Client record. */
export interface OAuthContext {
  readonly issuer: URL;
  readonly clientId: string;
  readonly clock: Clock;
  /** Options for every oauth4webapi request: our fetch (with 429 handling) and the http rule. */
  readonly http: OAuthHttpOptions;
  server(): Promise<oauth.AuthorizationServer>;
  /** The Client record, with the injected clock's offset as oauth4webapi's clock skew. */
  client(): oauth.Client;
  tokens(result: oauth.TokenEndpointResponse, previous?: Tokens): Tokens;
}

const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function createOAuthContext(options: OAuthClientOptions, factory: string): OAuthContext {
  if (!URL.canParse(options.issuer)) throw new TypeError(`${factory}: issuer must be an absolute URL`);
  if (typeof options.clientId !== 'string' || options.clientId === '')
    throw new TypeError(`${factory}: clientId is required`);
  const issuer = new URL(options.issuer);
  const clock = options.clock ?? systemClock;
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const send = rateLimitedFetch(fetchImpl, rateLimitPolicy(options.rateLimit), clock, 'throw');
  const insecure = options.allowInsecureRequests ?? loopbackHosts.has(issuer.hostname);
  if (issuer.protocol === 'http:' && !insecure)
    throw new TypeError(`${factory}: an http: issuer needs allowInsecureRequests: true`);
  const http: OAuthHttpOptions = {
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
      send(url, init as RequestInit),
    [oauth.allowInsecureRequests]: insecure,
    // Keeps the JWKS between ID-token signature checks.
    [oauth.jwksCache]: {},
  };

  let discovered: Promise<oauth.AuthorizationServer> | undefined;
  function server(): Promise<oauth.AuthorizationServer> {
    discovered ??= (async () => {
      const response = await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oidc' });
      return oauth.processDiscoveryResponse(issuer, response);
    })();
    // A failed discovery is tried again on the next call rather than remembered.
    discovered.catch(() => {
      discovered = undefined;
    });
    return discovered.catch((error: unknown) => Promise.reject(toTesseraError(error)));
  }

  return {
    issuer,
    clientId: options.clientId,
    clock,
    http,
    server,
    client: () => ({
      client_id: options.clientId,
      [oauth.clockSkew]: Math.round((clock.now().getTime() - Date.now()) / 1000),
    }),
    tokens(result, previous) {
      const expiresAt =
        result.expires_in !== undefined
          ? epochSeconds(clock) + result.expires_in
          : jwtExpiry(result.access_token);
      const refreshToken = result.refresh_token ?? previous?.refreshToken;
      const idToken = result.id_token ?? previous?.idToken;
      return {
        accessToken: result.access_token,
        ...(refreshToken !== undefined && { refreshToken }),
        ...(expiresAt !== undefined && { expiresAt }),
        ...(idToken !== undefined && { idToken }),
        ...(result.scope !== undefined && { scope: result.scope }),
      };
    },
  };
}

/**
 * oauth4webapi's errors as this package's: the server's OAuth error (`invalid_grant`,
 * `invalid_client`, `access_denied`, …) becomes a ProtocolError carrying that code; a response that
 * fails validation becomes ProtocolError `invalid_response`. Our own errors and network failures
 * pass through.
 */
export async function toTesseraError(error: unknown): Promise<unknown> {
  if (error instanceof TesseraError) return error;
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError) {
    return new ProtocolError(error.error, error.error_description, {
      cause: error,
      ...(error instanceof oauth.ResponseBodyError && { status: error.status }),
    });
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // A 401 with a challenge (invalid_client answers with `WWW-Authenticate: Basic`): the code is in the body.
    const body = (await error.response.json().catch(() => undefined)) as
      | { error?: unknown; error_description?: unknown }
      | undefined;
    const code =
      typeof body?.error === 'string' ? body.error : (error.cause[0]?.parameters.error ?? 'invalid_client');
    const description = typeof body?.error_description === 'string' ? body.error_description : undefined;
    return new ProtocolError(code, description, { status: error.status, cause: error });
  }
  if (error instanceof oauth.OperationProcessingError) {
    return new ProtocolError('invalid_response', error.message, { cause: error });
  }
  return error;
}

/** Runs an oauth4webapi step, turning its errors into this package's. */
export async function oauthStep<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw await toTesseraError(error);
  }
}
