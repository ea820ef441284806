import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { logThrottle } from './log-throttle.js';
import type { Logger } from './logger.js';

export interface RedisOptions {
  /**
   * Milliseconds a command may wait for its answer before it fails, so that a stalled Redis
   * (`kill -STOP`, a full network queue) costs a caller this long and no more.
   */
  readonly commandTimeout: number;
}

/** Connection errors are reported once per interval, with how many were kept quiet. */
const reportEveryMs = 60_000;

/**
 * A Redis connection that fails fast instead of queueing while Redis is away or stalled, so
 * callers can fall back (to the database, to a local count) at once rather than hang.
 */
export function connectRedis(url: string, logger: Logger, options: RedisOptions): Redis {
  // Required here, not imported at the top: without TESSERA_REDIS_URL the client is never loaded.
  const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  const redis = new RedisClient(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeout,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
  // ioredis repeats the error on every reconnect attempt.
  const shouldReport = logThrottle(reportEveryMs);
  redis.on('error', (error: Error) => {
    const suppressed = shouldReport();
    if (suppressed === undefined) return;
    logger.warn(
      { err: { message: error.message }, ...(suppressed > 0 ? { suppressed } : {}) },
      'redis unavailable',
    );
  });
  return redis;
}
