import type { Redis } from 'ioredis';
import type { Clock } from '../platform/clock.js';
import type { RevocationList, RevokedTokenStore } from './revocation-list.js';

const prefix = 'tessera:revoked:';

/**
 * Revocations shared through Redis, so every instance refuses a revoked token at once without a
 * database read. The database stays the record: each revocation is written there first, and
 * `syncFromDatabase` (run whenever the connection becomes ready) puts back what a Redis restart
 * lost. If Redis cannot answer, the database does, so an outage never makes a revoked token valid.
 */
export class RedisRevocationList implements RevocationList {
  readonly #redis: Redis;
  readonly #store: RevokedTokenStore;
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;

  constructor(redis: Redis, store: RevokedTokenStore, clock: Clock, onError: (error: unknown) => void) {
    this.#redis = redis;
    this.#store = store;
    this.#clock = clock;
    this.#onError = onError;
  }

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    const now = this.#clock.now();
    await this.#store.insert(jti, expiresAt, now);
    const ttlMs = expiresAt.getTime() - now.getTime();
    if (ttlMs <= 0) return;
    try {
      // A relative TTL, so that a clock difference between this host and Redis cannot shorten it.
      await this.#redis.set(prefix + jti, '1', 'PX', ttlMs);
    } catch (error) {
      this.#onError(error);
    }
  }

  async isRevoked(jti: string): Promise<boolean> {
    try {
      return (await this.#redis.exists(prefix + jti)) === 1;
    } catch (error) {
      this.#onError(error);
      return this.#store.contains(jti);
    }
  }

  purgeExpired(): Promise<number> {
    return this.#store.deleteExpired(this.#clock.now());
  }

  /** Copies every unexpired revocation from the database into Redis. */
  async syncFromDatabase(): Promise<number> {
    const now = this.#clock.now().getTime();
    const entries = (await this.#store.listUnexpired(this.#clock.now())).filter(
      (e) => e.expiresAt.getTime() > now,
    );
    if (entries.length === 0) return 0;
    const pipeline = this.#redis.pipeline();
    for (const entry of entries) pipeline.set(prefix + entry.jti, '1', 'PX', entry.expiresAt.getTime() - now);
    await pipeline.exec();
    return entries.length;
  }
}
