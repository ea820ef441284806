import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { Limiters } from '../limits/limiters.js';
import { RateLimits } from '../limits/rate-limits.js';
import { SignInThrottle } from '../limits/sign-in-throttle.js';
import { logThrottle } from '../platform/log-throttle.js';
import type { Logger } from '../platform/logger.js';

const reportEveryMs = 60_000;

/** The limiter store (Redis when configured) with the route budgets and the sign-in backoff over it. */
export function limitServices(config: Config, redis: Redis | undefined, logger: Logger) {
  const shouldReport = logThrottle(reportEveryMs);
  const limiters = new Limiters({
    redis,
    keyPrefix: config.redisPrefix,
    redisFailure: config.rateLimitRedisFailure,
    onRedisFailure(error) {
      // One line a minute with how many were kept quiet, not one per request during an outage.
      const suppressed = shouldReport();
      if (suppressed === undefined) return;
      logger.warn(
        {
          err: { message: error instanceof Error ? error.message : String(error) },
          suppressed,
          policy: config.rateLimitRedisFailure,
        },
        config.rateLimitRedisFailure === 'local'
          ? 'rate limits: redis unavailable, counting in this process'
          : 'rate limits: redis unavailable, refusing limited requests',
      );
    },
  });
  const on = config.rateLimiting;
  return {
    rateLimits: on
      ? new RateLimits(limiters, config.rateLimits, config.rateLimitTiers, config.rateLimitWindow)
      : undefined,
    throttle: on ? new SignInThrottle(limiters, config.rateLimits) : undefined,
    limiterHealth: limiters.health,
  };
}
