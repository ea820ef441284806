import type { Redis } from 'ioredis';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Stores } from '../storage/repositories/index.js';
import { DatabaseRevocationList } from '../tokens/database-revocation-list.js';
import { RedisRevocationList } from '../tokens/redis-revocation-list.js';
import type { RevocationList } from '../tokens/revocation-list.js';

/** The database's revocation list, with Redis as the shared fast path when configured. */
export function revocationList(
  redis: Redis | undefined,
  stores: Stores,
  clock: Clock,
  logger: Logger,
): RevocationList {
  const durable = new DatabaseRevocationList(stores.revokedTokens, clock);
  if (redis === undefined) return durable;
  const onError = (error: unknown) =>
    logger.warn(
      { err: error instanceof Error ? { message: error.message } : String(error) },
      'redis revocation list error',
    );
  const shared = new RedisRevocationList(redis, stores.revokedTokens, clock, onError);
  redis.on('ready', () => {
    shared.syncFromDatabase().catch(onError);
  });
  return shared;
}
