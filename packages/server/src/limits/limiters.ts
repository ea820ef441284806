import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from './rate-limiter-flexible.js';
import { Overloaded } from './refusals.js';

/** What one counted request learned: whether it may go on, and the numbers for the X-RateLimit headers. */
export interface Decision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Requests counted in this window so far, this one included. */
  readonly count: number;
  /** When the window ends, in epoch milliseconds. */
  readonly resetAt: number;
}

export type RedisFailurePolicy = 'local' | 'refuse';

export interface LimiterOptions {
  /** Shared by every instance when set; otherwise counts live in this process. */
  readonly redis?: Redis;
  /** Prefix of the Redis keys (TESSERA_REDIS_PREFIX). */
  readonly keyPrefix: string;
  readonly redisFailure: RedisFailurePolicy;
  /** Told of every Redis failure (logged sparingly by the caller). */
  readonly onRedisFailure: (error: unknown) => void;
}

/** Failures of the shared store since start, for operators (metrics). */
export interface LimiterHealth {
  redisFailures: number;
}

/**
 * Fixed-window counters from rate-limiter-flexible: one atomic INCR with expiry per request in
 * Redis (a Lua script, so concurrent instances cannot double-count or lose a count), or a
 * process-local map. Chosen over a sliding window or GCRA because a request costs one round trip,
 * and the window's end is exactly what `X-RateLimit-Reset` reports; the price is that a client may
 * fit up to twice its budget around a window boundary, which SPEC's per-minute budgets tolerate.
 *
 * A Redis error (down, or slower than the client's command timeout) never becomes a 5xx: with the
 * `local` policy the request is counted in this process instead, with `refuse` it is shed (503),
 * and so is every request for the next two seconds (or until Redis reconnects), so that a stalled
 * Redis costs one request the timeout rather than each.
 */
export class Limiters {
  readonly health: LimiterHealth = { redisFailures: 0 };
  readonly #options: WindowOptions;
  readonly #windows = new Map<string, Window>();

  constructor(options: LimiterOptions) {
    const breaker = new RedisBreaker();
    // A reconnect is news that Redis answers again: no need to wait out the pause.
    options.redis?.on('ready', () => breaker.close());
    this.#options = {
      ...options,
      breaker,
      onRedisFailure: (error) => {
        this.health.redisFailures += 1;
        breaker.trip();
        options.onRedisFailure(error);
      },
    };
  }

  /** The counter named `name` allowing `points` per `seconds`; a budget change starts a fresh count. */
  window(name: string, points: number, seconds: number): Window {
    const id = `${name}:${points}:${seconds}`;
    let window = this.#windows.get(id);
    if (window === undefined) {
      window = new Window(name, points, seconds, this.#options);
      this.#windows.set(id, window);
    }
    return window;
  }
}

/** After a Redis failure, the fallback is used at once for a while rather than each request waiting out the timeout. */
const breakerPauseMs = 2000;

class RedisBreaker {
  #openUntil = 0;

  isOpen(): boolean {
    return Date.now() < this.#openUntil;
  }

  trip(): void {
    this.#openUntil = Date.now() + breakerPauseMs;
  }

  close(): void {
    this.#openUntil = 0;
  }
}

interface WindowOptions extends LimiterOptions {
  readonly breaker: RedisBreaker;
}

/** Requests for one key counted together (Window.consume). */
interface Batch {
  size: number;
  total: Promise<{ consumed: number; msBeforeNext: number }>;
}

export class Window {
  readonly points: number;
  readonly #batches = new Map<string, Batch>();
  readonly #local: RateLimiterMemory;
  readonly #shared: RateLimiterRedis | undefined;
  readonly #options: WindowOptions;

  constructor(name: string, points: number, seconds: number, options: WindowOptions) {
    this.points = points;
    this.#options = options;
    const keyPrefix = `${options.keyPrefix}rl:${name}`;
    this.#local = new RateLimiterMemory({ keyPrefix, points, duration: seconds });
    this.#shared =
      options.redis === undefined
        ? undefined
        : new RateLimiterRedis({
            storeClient: options.redis,
            keyPrefix,
            points,
            duration: seconds,
            // Disconnected: straight to the fallback, no wait for a reconnect.
            rejectIfRedisNotReady: true,
          });
  }

  /**
   * Counts one request for `key`. The requests for one key that arrive in the same turn of the
   * event loop are counted together, at its end, with one atomic increment by their number (one
   * Redis round trip instead of one each); each still gets its own place in the count, so the
   * outcome is the same as counting them one by one.
   */
  async consume(key: string): Promise<Decision> {
    const batch = this.#batches.get(key) ?? this.#startBatch(key);
    batch.size += 1;
    const place = batch.size;
    const { consumed, msBeforeNext } = await batch.total;
    // This request's place in the window's count: the batch's increment ended at `consumed`.
    const count = consumed - batch.size + place;
    return {
      allowed: count <= this.points,
      limit: this.points,
      remaining: Math.max(0, this.points - count),
      count,
      resetAt: Date.now() + Math.max(0, msBeforeNext),
    };
  }

  #startBatch(key: string): Batch {
    const batch: Batch = {
      size: 0,
      total: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.#batches.delete(key);
        return this.#count(key, batch.size);
      }),
    };
    this.#batches.set(key, batch);
    return batch;
  }

  /** One atomic increment of `key` by `points`: the count it reached (over the budget or not). */
  async #count(key: string, points: number): Promise<{ consumed: number; msBeforeNext: number }> {
    try {
      const res = await this.#run((limiter) => limiter.consume(key, points));
      return { consumed: res.consumedPoints, msBeforeNext: res.msBeforeNext };
    } catch (error) {
      if (error instanceof RateLimiterRes)
        return { consumed: error.consumedPoints, msBeforeNext: error.msBeforeNext };
      throw error;
    }
  }

  /** The count so far, without counting; undefined when `key` has none in this window. */
  async peek(key: string): Promise<Decision | undefined> {
    const res = await this.#run((limiter) => limiter.get(key));
    return res === null ? undefined : this.#decision(res, res.consumedPoints <= this.points);
  }

  /** Refuses `key` for `seconds` (the sign-in backoff). */
  async block(key: string, seconds: number): Promise<void> {
    await this.#run((limiter) => limiter.block(key, seconds));
  }

  /** Gives back one counted request (one that turned out not to count). */
  async refund(key: string): Promise<void> {
    await this.#run((limiter) => limiter.reward(key, 1));
  }

  /** Forgets `key`'s count (a successful sign-in clears its failures). */
  async reset(key: string): Promise<void> {
    await this.#run((limiter) => limiter.delete(key));
  }

  /** Runs on Redis when configured, falling back by the failure policy; a limit refusal passes through. */
  async #run<T>(call: (limiter: RateLimiterMemory | RateLimiterRedis) => Promise<T>): Promise<T> {
    if (this.#shared === undefined) return call(this.#local);
    if (this.#options.breaker.isOpen()) return this.#fallBack(call);
    try {
      return await call(this.#shared);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw error;
      this.#options.onRedisFailure(error);
      return this.#fallBack(call);
    }
  }

  #fallBack<T>(call: (limiter: RateLimiterMemory) => Promise<T>): Promise<T> {
    if (this.#options.redisFailure === 'refuse') {
      throw new Overloaded('the rate-limit store is unavailable; try again shortly', breakerPauseMs);
    }
    return call(this.#local);
  }

  #decision(res: RateLimiterRes, allowed: boolean): Decision {
    return {
      allowed,
      limit: this.points,
      remaining: Math.max(0, this.points - res.consumedPoints),
      count: res.consumedPoints,
      resetAt: Date.now() + Math.max(0, res.msBeforeNext),
    };
  }
}
