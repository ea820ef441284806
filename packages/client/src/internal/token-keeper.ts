import { AuthenticationError } from '../errors.js';
import type { TokenStore, Tokens } from '../storage/token-store.js';
import { type Clock, epochSeconds } from './clock.js';
import { discard, type FetchLike } from './rate-limit.js';
import { createRefreshLock } from './refresh-lock.js';

export interface TokenKeeperOptions {
  readonly store: TokenStore;
  readonly clock: Clock;
  /** Refresh this many seconds before `expiresAt`. */
  readonly leewaySeconds: number;
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
  /** fetch with the access token attached; one refresh and one retry on a 401. */
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
  const { store, clock, leewaySeconds, renew, renewsWithoutTokens, send } = options;
  const underLock = createRefreshLock(options.lockName, store);
  let inFlight: Promise<Tokens> | undefined;

  const expiresSoon = (tokens: Tokens) =>
    tokens.expiresAt !== undefined && tokens.expiresAt - leewaySeconds <= epochSeconds(clock);

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
      if (error instanceof AuthenticationError) await store.clear();
      throw error;
    }
    await store.set(next);
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
