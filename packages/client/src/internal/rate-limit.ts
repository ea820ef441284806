import { RateLimitError } from '../errors.js';
import { type Clock, sleep } from './clock.js';

/** How long the SDK may wait on its own when a server answers 429 with Retry-After. */
export interface RateLimitPolicy {
  /** Retries after a 429 before giving up; default 2 (0 turns the waiting off). */
  readonly maxRetries?: number;
  /** Most seconds spent waiting for one call, in total; a longer Retry-After is not waited. Default 10. */
  readonly maxWaitSeconds?: number;
}

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export const defaultRateLimitPolicy: Required<RateLimitPolicy> = { maxRetries: 2, maxWaitSeconds: 10 };

/** Validated once, in the factory that receives it. */
export function rateLimitPolicy(policy: RateLimitPolicy | undefined): Required<RateLimitPolicy> {
  const resolved = { ...defaultRateLimitPolicy, ...policy };
  if (!Number.isInteger(resolved.maxRetries) || resolved.maxRetries < 0)
    throw new TypeError('rateLimit.maxRetries must be an integer ≥ 0');
  if (!(resolved.maxWaitSeconds >= 0)) throw new TypeError('rateLimit.maxWaitSeconds must be ≥ 0');
  return resolved;
}

/** Retry-After (RFC 9110 §10.2.3) in seconds: delay-seconds or an HTTP-date. */
export function retryAfterSeconds(response: Response, clock: Clock): number | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - clock.now().getTime()) / 1000));
}

/**
 * `fetchImpl` with bounded waiting on 429: it sleeps Retry-After and sends the request again, at
 * most `maxRetries` times and `maxWaitSeconds` in total. When it gives up it either throws
 * {@link RateLimitError} (calls to Tessera, whose callers expect typed errors) or hands back the
 * 429 response (calls to the app's own APIs through `client.fetch`, which behave like fetch).
 * A request whose body is a stream cannot be sent twice and is never retried.
 */
export function rateLimitedFetch(
  fetchImpl: FetchLike,
  policy: Required<RateLimitPolicy>,
  clock: Clock,
  whenLimited: 'throw' | 'return',
): FetchLike {
  return async function fetchWithRateLimit(input, init) {
    const template = input instanceof Request ? input : undefined;
    const replayable = !(typeof ReadableStream !== 'undefined' && init?.body instanceof ReadableStream);
    let waited = 0;
    for (let attempt = 0; ; attempt += 1) {
      const response = await fetchImpl(template === undefined ? input : template.clone(), init);
      if (response.status !== 429) return response;
      const retryAfter = retryAfterSeconds(response, clock);
      if (
        !replayable ||
        retryAfter === undefined ||
        attempt >= policy.maxRetries ||
        waited + retryAfter > policy.maxWaitSeconds
      ) {
        if (whenLimited === 'return') return response;
        await discard(response);
        throw new RateLimitError(retryAfter);
      }
      await discard(response);
      await sleep(retryAfter, init?.signal ?? template?.signal);
      waited += retryAfter;
    }
  };
}

/** Frees the connection of a response nobody will read. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
