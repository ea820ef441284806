import { createHash } from 'node:crypto';
import { ipBucket } from './ip-bucket.js';
import type { Limits } from './limit-settings.js';
import type { Limiters, Window } from './limiters.js';
import { holdThenRefuse, RateLimited } from './refusals.js';

/** Failures are remembered this long without a success; the backoff doubles up to its cap. */
const failureMemorySeconds = 86_400;
const maxBackoffSeconds = 900;
const sprayWindowSeconds = 900;

/** One password attempt let through; the caller reports how it ended. */
export interface Attempt {
  /** The credential was wrong; returns the backoff this failure started, in seconds (0 for none). */
  failed(): Promise<number>;
  succeeded(): Promise<void>;
  /** The attempt ended without a verdict (an error): it counts for nothing. */
  abandoned(): Promise<void>;
  /**
   * The password check was shed (its queue was full): it counts against the address, so a flood
   * from one address soon meets its failure budget instead of keeping the queue full for everyone.
   */
  shed(): Promise<void>;
}

/**
 * Brute-force defence for every password door (STYLE C17: the sign-in use case calls it).
 * - Per username and address: `login_failures` failures are free; after them, one attempt at a
 *   time is let through, and each failure blocks the pair for 1, 2, 4 … seconds, up to 15
 *   minutes. A success clears it. The same username from any other address keeps its own count,
 *   so an attacker cannot lock the owner out.
 * - Per address, whatever the username: `ip_failures` failures in 15 minutes (password spraying).
 *
 * Every count is taken with one atomic consume before the password is checked (STYLE C19), as if
 * the attempt failed, and given back when it did not: concurrent guesses cannot all slip through
 * between a read and a write. A refused attempt costs no password hashing,
 * and is held up to a second before it is answered.
 */
export class SignInThrottle {
  readonly #limiters: Limiters;
  readonly #limits: Limits;

  constructor(limiters: Limiters, limits: Limits) {
    this.#limiters = limiters;
    this.#limits = limits;
  }

  /** Counts an attempt, or throws RateLimited when this username + address or this address must wait. */
  async begin(identity: string, ip: string | null): Promise<Attempt> {
    const pair = pairKey(identity, ip);
    const address = addressKey(ip);
    const failures = this.#failures();
    const spray = this.#spray();
    const [pairCount, addressCount] = await Promise.all([failures.consume(pair), spray.consume(address)]);
    const giveBack = () => Promise.all([failures.refund(pair), spray.refund(address)]);

    if (!addressCount.allowed) {
      await giveBack();
      return holdThenRefuse(
        new RateLimited('too many failed sign-ins from this address', addressCount.resetAt - Date.now()),
      );
    }
    const beyondFree = pairCount.count - this.#limits.login_failures;
    if (beyondFree > 0) {
      // One attempt at a time past the free ones: the gate admits one, and a failure closes it for the backoff.
      const gate = await this.#gate().consume(pair);
      if (!gate.allowed) {
        await giveBack();
        return holdThenRefuse(
          new RateLimited('too many failed sign-ins; wait before trying again', gate.resetAt - Date.now()),
        );
      }
    }
    return {
      failed: async () => {
        if (beyondFree <= 0) return 0;
        const seconds = Math.min(2 ** (beyondFree - 1), maxBackoffSeconds);
        await this.#gate().block(pair, seconds);
        return seconds;
      },
      succeeded: async () => {
        await Promise.all([failures.reset(pair), this.#gate().reset(pair), spray.refund(address)]);
      },
      abandoned: async () => {
        await Promise.all([giveBack(), beyondFree > 0 ? this.#gate().reset(pair) : undefined]);
      },
      shed: async () => {
        await Promise.all([failures.refund(pair), beyondFree > 0 ? this.#gate().reset(pair) : undefined]);
      },
    };
  }

  /** Attempts, counted as failures until they succeed; never refused by itself. */
  #failures(): Window {
    return this.#limiters.window('login-failures', Number.MAX_SAFE_INTEGER, failureMemorySeconds);
  }

  /** Open (no key) or admitting one attempt; closed by a failure for the backoff. */
  #gate(): Window {
    return this.#limiters.window('login-backoff', 1, maxBackoffSeconds);
  }

  #spray(): Window {
    return this.#limiters.window('login-ip-failures', this.#limits.ip_failures, sprayWindowSeconds);
  }
}

/** Usernames are case-insensitive; a digest keeps them (and their length) out of the store's keys. */
function pairKey(identity: string, ip: string | null): string {
  const digest = createHash('sha256').update(identity.trim().toLowerCase()).digest('base64url');
  return `${addressKey(ip)}:${digest}`;
}

function addressKey(ip: string | null): string {
  return ip === null ? 'no-address' : ipBucket(ip);
}
