import type { FastifyBaseLogger } from 'fastify';
import { logThrottle } from '../../platform/log-throttle.js';
import { describeUnavailable } from '../../platform/unavailable.js';

/**
 * What the three error handlers share for a request that failed because the database or Redis
 * did not answer: the `Retry-After` they send with their 503 and one warning per burst. Each
 * handler still writes the 503 in its own family's shape.
 */

/** Seconds a client is asked to wait: about how long a PostgreSQL restart or failover takes. */
export const retryAfterSeconds = 5;

export const unavailableMessage = 'The service is temporarily unavailable; retry later';

/**
 * Per process, not per request: during an outage every request fails the same way, and one line
 * every few seconds (with how many were kept quiet) says it without burying the rest of the log.
 */
const shouldLog = logThrottle(5000);

export function reportUnavailable(log: FastifyBaseLogger, error: unknown): void {
  const suppressed = shouldLog();
  if (suppressed === undefined) return;
  log.warn({ ...describeUnavailable(error), suppressed }, 'dependency unavailable: answered 503');
}
