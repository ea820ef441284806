import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * A Redis connection that fails fast instead of queueing while Redis is away, so callers can
 * fall back to the database at once rather than hang.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
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
