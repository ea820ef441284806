import { AuthenticationError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { jwtExpiry } from '../internal/jwt.js';
import {
  discard,
  type FetchLike,
  type RateLimitPolicy,
  rateLimitedFetch,
  rateLimitPolicy,
} from '../internal/rate-limit.js';
import { createSessionEventHub, type SessionEvents } from '../internal/session-events.js';
import { createTokenKeeper, notSignedIn } from '../internal/token-keeper.js';
import { tokenOriginsOf } from '../internal/token-origins.js';
import { createMemoryStore } from '../storage/memory.js';
import type { TokenStore, Tokens } from '../storage/token-store.js';
import { type SessionUser, sessionApiError, sessionApiJson } from './session-api.js';

export interface SessionClientOptions {
  /** Tessera's origin (the issuer URL), e.g. `https://auth.example.com`. */
  readonly baseUrl: string;
  /** Where tokens live; default a memory store (nothing survives a restart or reload). */
  readonly store?: TokenStore;
  /** Injected fetch (tests, proxies, cookie jars); default the global one. */
  readonly fetch?: FetchLike;
  /** Injected clock, to move expiry without waiting; default the system clock. */
  readonly clock?: Clock;
  /** Refresh this many seconds before the access token's `exp`; default 30, at most half its lifetime. */
  readonly refreshLeewaySeconds?: number;
  /**
   * Origins of your APIs (`https://api.example.com`) that `fetch` may send the access token to,
   * besides Tessera's own. A URL on any other origin is refused (TesseraError ORIGIN_NOT_ALLOWED)
   * before it is sent, so the token never reaches a third party.
   */
  readonly apiOrigins?: readonly string[];
  /**
   * Browsers on Tessera's own origin: keep the refresh token only in Tessera's HttpOnly,
   * SameSite=Strict `tessera_refresh` cookie, refresh with `GET /token` and
   * `credentials: 'include'`, and store just the access token. Scripts never hold the refresh
   * token, and a reload resumes the session from the cookie. Default false.
   */
  readonly refreshCookie?: boolean;
  /** Bounded waiting on 429 Retry-After; default 2 retries, 10 s in all. */
  readonly rateLimit?: RateLimitPolicy;
}

export interface SessionClient extends SessionEvents {
  /** POST /login; stores the tokens and returns the user. AuthenticationError INVALID_CREDENTIALS on a wrong password. */
  login(username: string, password: string): Promise<SessionUser>;
  /**
   * POST /logout (ending the session on the server), then clears the store; a dead session is not
   * an error. If the request fails otherwise, the tokens are kept (so logout can be retried) and
   * the error is thrown.
   */
  logout(): Promise<void>;
  /** GET /me. */
  me(): Promise<SessionUser>;
  /**
   * fetch with `Authorization: Bearer <access token>` for Tessera's origin and `apiOrigins` only:
   * refreshes shortly before expiry, and once more (then retries once) on a 401. Answers like
   * fetch; throws AuthenticationError when the session cannot be refreshed (it has ended), after
   * clearing the store, and TesseraError ORIGIN_NOT_ALLOWED for a URL on another origin.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** A fresh access token, refreshing first if needed. */
  getAccessToken(): Promise<string>;
  /** The Web Locks name this client's refreshes hold (every tab of one origin shares it). */
  readonly lockName: string;
}

/**
 * The first-party session API (`/login`, `/token`, `/me`, `/logout`) with refresh handled:
 * single-flight within this client, and under a lock across tabs (Web Locks) and across clients
 * that share a store (the store's lock), re-reading the store once inside it.
 */
export function createSessionClient(options: SessionClientOptions): SessionClient {
  if (!URL.canParse(options.baseUrl))
    throw new TypeError('createSessionClient: baseUrl must be an absolute URL');
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const leewaySeconds = options.refreshLeewaySeconds ?? 30;
  if (!(leewaySeconds >= 0)) throw new TypeError('createSessionClient: refreshLeewaySeconds must be ≥ 0');
  const store = options.store ?? createMemoryStore();
  const clock = options.clock ?? systemClock;
  const policy = rateLimitPolicy(options.rateLimit);
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const cookieMode = options.refreshCookie === true;
  /** Calls to Tessera: a final 429 becomes RateLimitError. */
  const tessera = rateLimitedFetch(fetchImpl, policy, clock, 'throw');
  /** Calls through client.fetch: a final 429 is handed back like any response. */
  const passThrough = rateLimitedFetch(fetchImpl, policy, clock, 'return');
  const credentials: RequestCredentials = cookieMode ? 'include' : 'same-origin';
  const lockName = `tessera:session:${baseUrl}`;
  const tokenOrigins = tokenOriginsOf(baseUrl, options.apiOrigins, 'createSessionClient');
  const events = createSessionEventHub(lockName, store);

  const tokensFrom = (body: { access_token: string; refresh_token?: string }): Tokens => ({
    accessToken: body.access_token,
    ...(!cookieMode && body.refresh_token !== undefined && { refreshToken: body.refresh_token }),
    ...(jwtExpiry(body.access_token) !== undefined && { expiresAt: jwtExpiry(body.access_token) }),
  });

  async function renew(current: Tokens | undefined): Promise<Tokens> {
    const refreshToken = current?.refreshToken;
    if (refreshToken === undefined && !cookieMode) throw notSignedIn();
    const response = await tessera(`${baseUrl}/token`, {
      method: 'GET',
      credentials,
      headers: refreshToken === undefined ? {} : { authorization: `Bearer ${refreshToken}` },
    });
    if (response.status === 401 && current === undefined) {
      // Resuming from the cookie found none (or a dead one): simply not signed in.
      await discard(response);
      throw notSignedIn();
    }
    return tokensFrom(await sessionApiJson(response, clock));
  }

  const keeper = createTokenKeeper({
    store,
    clock,
    leewaySeconds,
    tokenOrigins,
    events,
    lockName,
    renew,
    renewsWithoutTokens: cookieMode,
    send: passThrough,
  });

  return {
    lockName,
    on: events.on,
    async login(username, password) {
      const response = await tessera(`${baseUrl}/login`, {
        method: 'POST',
        credentials,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      const body = await sessionApiJson<{ user: SessionUser; access_token: string; refresh_token: string }>(
        response,
        clock,
      );
      const tokens = tokensFrom(body);
      await store.set(tokens);
      events.signedIn(tokens);
      return body.user;
    },

    async logout() {
      try {
        const response = await keeper.fetch(`${baseUrl}/logout`, { method: 'POST', credentials });
        if (!response.ok && response.status !== 401) throw await sessionApiError(response, clock);
        await discard(response);
      } catch (error) {
        // Nothing stored, or a session that had already ended: the goal is reached. Anything else
        // leaves the tokens in place, so the app can try again (issue 13).
        if (!(error instanceof AuthenticationError)) throw error;
      }
      const ended = await store.get();
      await store.clear();
      if (ended !== undefined) events.signedOut('signed-out');
    },

    async me() {
      const response = await keeper.fetch(`${baseUrl}/me`, { headers: { accept: 'application/json' } });
      return sessionApiJson<SessionUser>(response, clock);
    },

    fetch: keeper.fetch,

    async getAccessToken() {
      return (await keeper.current()).accessToken;
    },
  };
}
