import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * A Redis connection that fails fast instead of queueing while Redis is away, so callers can
 * fall back to the database at once rather than hang.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  // Required here, not imported at the top: without TESSERA_REDIS_URL the client is never loaded.
  const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  const redis = new RedisClient(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
  let lastReport = 0;
  redis.on('error', (error: Error) => {
    // ioredis repeats the error on every reconnect attempt; one line a minute is enough.
    if (Date.now() - lastReport > 60_000) {
      lastReport = Date.now();
      logger.warn({ err: { message: error.message } }, 'redis unavailable; falling back to the database');
    }
  });
  return redis;
}
