import type { Redis } from 'ioredis';
import type { Clock } from '../platform/clock.js';
import { logThrottle } from '../platform/log-throttle.js';
import type { Logger } from '../platform/logger.js';
import type { Stores } from '../storage/repositories/index.js';
import { DatabaseRevocationList } from '../tokens/database-revocation-list.js';
import { RedisRevocationList, type RevocationListEvent } from '../tokens/redis-revocation-list.js';
import { revocationSetKey } from '../tokens/redis-revocation-set.js';
import type { RevocationList } from '../tokens/revocation-list.js';

/** An outage is reported once per kind and interval, with how many times it recurred meanwhile. */
const reportEveryMs = 30_000;

/** The database's revocation list, with Redis as the shared fast path when configured. */
export function revocationList(
  redis: Redis | undefined,
  keyPrefix: string,
  stores: Stores,
  clock: Clock,
  logger: Logger,
): RevocationList {
  const durable = new DatabaseRevocationList(stores.revokedTokens, clock);
  if (redis === undefined) return durable;
  const shared = new RedisRevocationList({
    redis,
    key: revocationSetKey(keyPrefix),
    store: stores.revokedTokens,
    clock,
    report: revocationReporter(logger),
  });
  redis.on('ready', () => shared.connected());
  redis.on('close', () => shared.disconnected());
  redis.on('end', () => shared.stop());
  if (redis.status === 'ready') shared.connected();
  return shared;
}

/** Log lines for the list's events, each kind throttled on its own. */
function revocationReporter(logger: Logger): (event: RevocationListEvent) => void {
  const throttles = {
    'redis-failed': logThrottle(reportEveryMs),
    incomplete: logThrottle(reportEveryMs),
    'fill-failed': logThrottle(reportEveryMs),
    'in-sync': logThrottle(reportEveryMs),
  };
  return function reportRevocationEvent(event) {
    const suppressed = throttles[event.kind]();
    if (suppressed === undefined) return;
    const repeated = suppressed > 0 ? { suppressed } : {};
    switch (event.kind) {
      case 'redis-failed':
        logger.warn(
          { err: errorMessage(event.error), ...repeated },
          'redis revocation list unavailable; the database answers until Redis is refilled',
        );
        return;
      case 'incomplete':
        logger.warn(
          repeated,
          'redis revocation list incomplete (flushed, evicted or deleted); the database answers while it is refilled',
        );
        return;
      case 'fill-failed':
        logger.warn({ err: errorMessage(event.error), ...repeated }, 'redis revocation list refill failed');
        return;
      case 'in-sync':
        logger.info({ entries: event.entries, ...repeated }, 'redis revocation list in sync');
        return;
    }
  };
}

function errorMessage(error: unknown): { message: string } {
  return { message: error instanceof Error ? error.message : String(error) };
}
