import { AuthenticationError, TesseraError } from '../errors.js';
import type { TokenStore, Tokens } from '../storage/token-store.js';
import { type Clock, epochSeconds } from './clock.js';
import { discard, type FetchLike } from './rate-limit.js';
import { createRefreshLock } from './refresh-lock.js';
import { jwtLifetime, renewalDue } from './renewal.js';
import type { SessionEventHub } from './session-events.js';

export interface TokenKeeperOptions {
  readonly store: TokenStore;
  readonly clock: Clock;
  /** Refresh this many seconds before `expiresAt` (at most half the token's lifetime). */
  readonly leewaySeconds: number;
  /** The only origins `fetch` sends the access token to (`https://api.example.com`, no path). */
  readonly tokenOrigins: ReadonlySet<string>;
  /** Told of each refresh made here and of a session found to have ended. */
  readonly events: Pick<SessionEventHub, 'refreshed' | 'signedOut'>;
  /** Web Locks name shared by every tab of the origin that uses the same session. */
  readonly lockName: string;
  /**
   * New tokens from the current ones. `current` is undefined only when `renewsWithoutTokens`
   * (the refresh token is an HttpOnly cookie). An AuthenticationError means the session is over.
   */
  readonly renew: (current: Tokens | undefined) => Promise<Tokens>;
  readonly renewsWithoutTokens: boolean;
  /** Sends a request that already carries its Authorization header. */
  readonly send: FetchLike;
}

export interface TokenKeeper {
  /** Stored tokens, refreshed first if they expire within the leeway. */
  current(): Promise<Tokens>;
  /** New tokens to replace `stale` (the ones a 401 answered, or that are expiring). */
  refresh(stale: Tokens | undefined): Promise<Tokens>;
  /**
   * fetch with the access token attached; one refresh and one retry on a 401. A URL outside
   * `tokenOrigins` is refused (TesseraError ORIGIN_NOT_ALLOWED) before anything is sent.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
}

/**
 * Keeps a session's tokens fresh. Refreshes are single-flight in this client (N concurrent calls
 * share one request) and run under the refresh lock across clients (tabs, processes, instances).
 * Inside the lock the store is read again: if someone else already replaced the stale token with
 * a fresh one, that one is used and no request is made, so a rotated refresh token is never sent
 * twice.
 */
export function createTokenKeeper(options: TokenKeeperOptions): TokenKeeper {
  const { store, clock, leewaySeconds, renew, renewsWithoutTokens, send, tokenOrigins, events } = options;
  const underLock = createRefreshLock(options.lockName, store);
  let inFlight: Promise<Tokens> | undefined;

  const expiresSoon = (tokens: Tokens) =>
    renewalDue(tokens.expiresAt, jwtLifetime(tokens.accessToken), leewaySeconds, epochSeconds(clock));

  async function renewUnderLock(stale: Tokens | undefined): Promise<Tokens> {
    const latest = await store.get();
    if (latest !== undefined && latest.accessToken !== stale?.accessToken && !expiresSoon(latest)) {
      return latest;
    }
    if (latest === undefined && !renewsWithoutTokens) throw notSignedIn();
    let next: Tokens;
    try {
      next = await renew(latest);
    } catch (error) {
      if (error instanceof AuthenticationError) {
        await store.clear();
        // Resuming from a cookie that was never there ends nothing.
        if (latest !== undefined || error.code !== 'NOT_SIGNED_IN') events.signedOut('session-ended');
      }
      throw error;
    }
    await store.set(next);
    events.refreshed(next);
    return next;
  }

  function refresh(stale: Tokens | undefined): Promise<Tokens> {
    inFlight ??= underLock(() => renewUnderLock(stale)).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function current(): Promise<Tokens> {
    const tokens = await store.get();
    if (tokens !== undefined && !expiresSoon(tokens)) return tokens;
    if (tokens === undefined && !renewsWithoutTokens) throw notSignedIn();
    return refresh(tokens);
  }

  async function authorizedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const { origin } = new URL(request.url);
    if (!tokenOrigins.has(origin)) {
      throw new TesseraError(
        'ORIGIN_NOT_ALLOWED',
        `the access token is sent only to ${[...tokenOrigins].join(', ')}; add ${origin} to apiOrigins, or use fetch`,
      );
    }
    const withToken = (tokens: Tokens) => {
      const attempt = request.clone();
      attempt.headers.set('authorization', `Bearer ${tokens.accessToken}`);
      return attempt;
    };
    const tokens = await current();
    const response = await send(withToken(tokens));
    if (response.status !== 401) return response;
    await discard(response);
    return send(withToken(await refresh(tokens)));
  }

  return { current, refresh, fetch: authorizedFetch };
}

export function notSignedIn(): AuthenticationError {
  return new AuthenticationError('NOT_SIGNED_IN', 'not signed in');
}
