import type { Redis } from 'ioredis';
import type { ClientDirectory } from '../clients/client-directory.js';
import type { Config } from '../config/config.js';
import type { LimiterHealth } from '../limits/limiters.js';
import { createMetrics, disabledMetrics, type Metrics } from '../platform/metrics/metrics.js';
import type { DatabaseHandle } from '../storage/database.js';
import type { AccessTokens } from '../tokens/access-token.js';
import { RedisRevocationList } from '../tokens/redis-revocation-list.js';
import type { RevocationList } from '../tokens/revocation-list.js';

interface MetricDeps {
  readonly clientDirectory: ClientDirectory;
  readonly accessTokens: AccessTokens;
  readonly limiterHealth: LimiterHealth;
  readonly revocations: RevocationList;
  readonly database: DatabaseHandle;
  readonly redis: Redis | undefined;
}

/**
 * The metrics, when TESSERA_METRICS_TOKEN or TESSERA_METRICS_ADDRESS asks for them: fed by the
 * counts the caches and the limiter keep anyway, read on scrape. Off by default, and then free:
 * every count is a no-op and no hook is added.
 */
export function metricsFor(config: Config, deps: MetricDeps): Metrics {
  if (config.metricsToken === undefined && config.metricsAddress === undefined) return disabledMetrics;
  const { clientDirectory, accessTokens, limiterHealth, revocations, database, redis } = deps;
  const metrics = createMetrics({
    caches: {
      clients: () => clientDirectory.stats(),
      verified_access_tokens: () => accessTokens.verifiedTokenStats(),
    },
    limiterRedisFailures: () => limiterHealth.redisFailures,
    ...(revocations instanceof RedisRevocationList ? { revocationsInSync: () => revocations.inSync } : {}),
    readiness: {
      database: () => database.ping(),
      ...(redis === undefined ? {} : { redis: () => redis.ping() }),
    },
  });
  redis?.on('error', () => metrics.redisConnectionError());
  return metrics;
}
