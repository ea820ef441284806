import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Refusals that are not the caller's fault of form but of pace: each HTTP surface answers them in
 * its own shape (RFC 6749 JSON, the session envelope, a page) with `Retry-After`.
 */

/** Over a rate limit or in a sign-in backoff: 429. */
export class RateLimited extends Error {
  override readonly name = 'RateLimited';
  /** Whole seconds until a retry can succeed (at least 1). */
  readonly retryAfter: number;
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super(message);
    this.retryAfterMs = Math.max(0, retryAfterMs);
    this.retryAfter = retryAfterSeconds(retryAfterMs);
  }
}

/** The longest a refusal is held before it is sent (see holdThenRefuse). */
const maxHoldMs = 1000;

/**
 * Throws `refusal` after holding it up to a second (never past its own Retry-After). For the doors
 * only a flood meets over and over (password sign-ins, per-address budgets): a client that ignores
 * Retry-After then gets at most one answer per second per connection, instead of thousands of
 * cheap 429s a second that would still take the CPU a legitimate sign-in needs.
 */
export async function holdThenRefuse(refusal: RateLimited): Promise<never> {
  await sleep(Math.min(refusal.retryAfterMs, maxHoldMs));
  throw refusal;
}

/** The server sheds this request (password checks queued to the bound, a limit store away): 503. */
export class Overloaded extends Error {
  override readonly name = 'Overloaded';
  readonly retryAfter: number;

  constructor(message: string, retryAfterMs = 1000) {
    super(message);
    this.retryAfter = retryAfterSeconds(retryAfterMs);
  }
}

function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
