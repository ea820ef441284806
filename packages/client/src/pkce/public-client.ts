import * as oauth from 'oauth4webapi';
import { AuthenticationError, ProtocolError } from '../errors.js';
import { decodeJwtPayload } from '../internal/jwt.js';
import { createOAuthContext, type OAuthClientOptions, oauthStep } from '../internal/oauth.js';
import { rateLimitedFetch, rateLimitPolicy } from '../internal/rate-limit.js';
import { createSessionEventHub, type SessionEvents } from '../internal/session-events.js';
import { createTokenKeeper, notSignedIn } from '../internal/token-keeper.js';
import { tokenOriginsOf } from '../internal/token-origins.js';
import { createMemoryStore } from '../storage/memory.js';
import type { TokenStore, Tokens } from '../storage/token-store.js';
import {
  type AuthorizeOptions,
  completeAuthorization,
  type SignInResult,
  startAuthorization,
} from './authorization.js';
import { defaultStateStorage, type StateStorage } from './state-store.js';

export interface PublicClientOptions extends OAuthClientOptions {
  /** Registered exactly on the client; Tessera compares it character for character. */
  readonly redirectUri: string;
  /** Space-separated; default `openid`. Add `offline_access` for a refresh token. */
  readonly scope?: string;
  /** Where the tokens go after the callback; default a memory store. */
  readonly store?: TokenStore;
  /** Where a pending request waits for its callback; default sessionStorage (browser) or memory. */
  readonly stateStore?: StateStorage;
  /** Refresh this many seconds before the access token expires; default 30, at most half its lifetime. */
  readonly refreshLeewaySeconds?: number;
  /**
   * Origins of your APIs (`https://api.example.com`) that `fetch` may send the access token to,
   * besides the issuer's. A URL on any other origin is refused (TesseraError ORIGIN_NOT_ALLOWED)
   * before it is sent, so the token never reaches a third party.
   */
  readonly apiOrigins?: readonly string[];
}

export interface PublicClient extends SessionEvents {
  /**
   * The authorization URL to send the browser to. A fresh state, nonce and PKCE verifier (S256)
   * are kept in the state store under the state, for handleCallback.
   */
  authorize(options?: AuthorizeOptions): Promise<URL>;
  /**
   * Completes the sign-in from the redirect URL: finds the pending request by `state` (one use
   * only), checks `iss` (RFC 9207) and the state, exchanges the code with the verifier, validates
   * the ID token, stores and returns the tokens. ProtocolError `invalid_state`, `invalid_issuer`,
   * or the server's code (`access_denied`, `invalid_grant`, …) otherwise.
   */
  handleCallback(url: string | URL): Promise<SignInResult>;
  /** A fresh access token (refresh-token grant when needed; single-flight, locked across tabs). */
  getAccessToken(): Promise<string>;
  /**
   * fetch with the access token attached, for the issuer's origin and `apiOrigins` only (any other
   * origin: TesseraError ORIGIN_NOT_ALLOWED, nothing sent); one refresh and retry on a 401.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Refreshes now, unless another tab or client has just done so. */
  refresh(): Promise<Tokens>;
  /** The UserInfo endpoint's claims for the signed-in user. */
  userinfo(): Promise<oauth.UserInfoResponse>;
  /**
   * Revokes the refresh token (which ends its session at Tessera), then clears the store. If the
   * revocation fails, the tokens stay stored (so signOut can be retried) and the error is thrown. With
   * `postLogoutRedirectUri` (registered on the client) returns the RP-initiated logout URL that also
   * ends the browser's sign-in session at Tessera.
   */
  signOut(options?: { postLogoutRedirectUri?: string }): Promise<URL | undefined>;
  readonly lockName: string;
}

/**
 * A public client (no secret) using authorization code + PKCE, for SPAs, mobile and desktop apps.
 * oauth4webapi does the protocol work: discovery, PKCE, callback validation including `iss`, the
 * code exchange, ID-token claim checks, and the ID token's signature against the JWKS.
 */
export function createPublicClient(options: PublicClientOptions): PublicClient {
  const context = createOAuthContext(options, 'createPublicClient');
  if (!URL.canParse(options.redirectUri))
    throw new TypeError('createPublicClient: redirectUri must be an absolute URL');
  const scope = options.scope ?? 'openid';
  const store = options.store ?? createMemoryStore();
  const states = options.stateStore ?? defaultStateStorage();
  const leewaySeconds = options.refreshLeewaySeconds ?? 30;
  if (!(leewaySeconds >= 0)) throw new TypeError('createPublicClient: refreshLeewaySeconds must be ≥ 0');
  const { clock, http } = context;
  const lockName = `tessera:oauth:${context.issuer.href}:${options.clientId}`;
  const settings = { redirectUri: options.redirectUri, scope };
  const tokenOrigins = tokenOriginsOf(context.issuer.href, options.apiOrigins, 'createPublicClient');
  const events = createSessionEventHub(lockName, store);

  async function renew(current: Tokens | undefined): Promise<Tokens> {
    if (current?.refreshToken === undefined) throw notSignedIn();
    const refreshToken = current.refreshToken;
    const as = await context.server();
    const client = context.client();
    try {
      const result = await oauthStep(async () =>
        oauth.processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, http),
        ),
      );
      return context.tokens(result, current);
    } catch (error) {
      // The refresh token is no good any more (expired, revoked, reused): the session is over.
      if (error instanceof ProtocolError && error.code === 'invalid_grant') {
        throw new AuthenticationError('UNAUTHENTICATED', 'the session has ended; sign in again', {
          ...(error.status !== undefined && { status: error.status }),
          cause: error,
        });
      }
      throw error;
    }
  }

  const keeper = createTokenKeeper({
    store,
    clock,
    leewaySeconds,
    tokenOrigins,
    events,
    lockName,
    renew,
    renewsWithoutTokens: false,
    send: rateLimitedFetch(
      options.fetch ?? ((input, init) => fetch(input, init)),
      rateLimitPolicy(options.rateLimit),
      clock,
      'return',
    ),
  });

  return {
    lockName,
    on: events.on,

    authorize: (request = {}) => startAuthorization(context, states, settings, request),

    async handleCallback(url) {
      const result = await completeAuthorization(context, states, url);
      await store.set(result.tokens);
      events.signedIn(result.tokens);
      return result;
    },

    async getAccessToken() {
      return (await keeper.current()).accessToken;
    },

    fetch: keeper.fetch,

    async refresh() {
      return keeper.refresh(await store.get());
    },

    async userinfo() {
      const as = await context.server();
      if (as.userinfo_endpoint === undefined)
        throw new ProtocolError('invalid_response', 'no userinfo_endpoint');
      const tokens = await keeper.current();
      const response = await keeper.fetch(as.userinfo_endpoint, { headers: { accept: 'application/json' } });
      const subject = tokens.idToken === undefined ? undefined : decodeJwtPayload(tokens.idToken)?.sub;
      return oauthStep(() =>
        oauth.processUserInfoResponse(
          as,
          context.client(),
          typeof subject === 'string' ? subject : oauth.skipSubjectCheck,
          response,
        ),
      );
    },

    async signOut(request = {}) {
      const tokens = await store.get();
      const as = await context.server();
      if (tokens?.refreshToken !== undefined) {
        const refreshToken = tokens.refreshToken;
        // Revoke first: should it fail, the refresh token is still stored for a retry (issue 13).
        await oauthStep(async () =>
          oauth.processRevocationResponse(
            await oauth.revocationRequest(as, context.client(), oauth.None(), refreshToken, http),
          ),
        );
      }
      await store.clear();
      if (tokens !== undefined) events.signedOut('signed-out');
      if (request.postLogoutRedirectUri === undefined || as.end_session_endpoint === undefined)
        return undefined;
      const url = new URL(as.end_session_endpoint);
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('post_logout_redirect_uri', request.postLogoutRedirectUri);
      if (tokens?.idToken !== undefined) url.searchParams.set('id_token_hint', tokens.idToken);
      return url;
    },
  };
}
