import type { Redis } from 'ioredis';
import type { BrowserOrigins } from '../clients/browser-origins.js';
import type { ClientDirectory } from '../clients/client-directory.js';
import type { Config } from '../config/config.js';
import type { KeyManager } from '../keys/key-manager.js';
import {
  createInvalidationBus,
  type InvalidationBus,
  type InvalidationEvent,
  type InvalidationTransport,
} from '../platform/invalidation/invalidation-bus.js';
import { postgresTransport } from '../platform/invalidation/postgres-transport.js';
import { redisTransport } from '../platform/invalidation/redis-transport.js';
import { versionPollTransport } from '../platform/invalidation/version-poll-transport.js';
import { logThrottle } from '../platform/log-throttle.js';
import type { Logger } from '../platform/logger.js';
import { connectRedis } from '../platform/redis.js';
import { dataVersion, notify, notifyChannel } from '../storage/change-signals.js';
import type { DatabaseHandle } from '../storage/database.js';

/** SQLite: how often the server looks for the CLI's writes; a change reaches it within this. */
const sqlitePollMs = 250;
/** A failure that repeats (every publish while Redis is down) is reported once per interval. */
const reportEveryMs = 30_000;

/**
 * The invalidation bus for this deployment: Redis pub/sub when TESSERA_REDIS_URL is set (instances
 * share it already), else PostgreSQL LISTEN/NOTIFY, else (SQLite, one server) a poll for the CLI's
 * writes. Publishing needs no connection of its own; listening opens one, in servers only.
 */
export function invalidationBus(
  config: Config,
  database: DatabaseHandle,
  redis: Redis | undefined,
  logger: Logger,
): InvalidationBus {
  return createInvalidationBus(transportFor(config, database, redis, logger), invalidationReporter(logger));
}

function transportFor(
  config: Config,
  database: DatabaseHandle,
  redis: Redis | undefined,
  logger: Logger,
): InvalidationTransport {
  const { redisUrl } = config;
  if (redis !== undefined && redisUrl !== undefined) {
    return redisTransport({
      publisher: redis,
      connect: () => connectRedis(redisUrl, logger, { commandTimeout: config.redisTimeout }),
      channel: `${config.redisPrefix}invalidations`,
      readyWaitMs: Math.max(config.redisTimeout, 1000),
    });
  }
  if (config.database.kind === 'postgres') {
    return postgresTransport({
      url: config.database.url,
      channel: notifyChannel(database.schema),
      notify: (channel, payload) => notify(database.db, channel, payload),
      timeoutMs: config.databaseConnectTimeout,
    });
  }
  return versionPollTransport(() => dataVersion(database.db), sqlitePollMs);
}

/** What each process-local cache does when told (STYLE C19); `undefined` ids mean "everything". */
export function subscribeCaches(
  bus: InvalidationBus,
  caches: { clientDirectory: ClientDirectory; browserOrigins: BrowserOrigins; keys: KeyManager },
): void {
  const { clientDirectory, browserOrigins, keys } = caches;
  bus.subscribe('client', (clientId) => {
    if (clientId === undefined) clientDirectory.invalidateAll();
    else clientDirectory.invalidate(clientId);
    browserOrigins.invalidate();
  });
  // The directory keeps whether each client's owner is disabled: a changed user drops their clients.
  bus.subscribe('user', (userId) => clientDirectory.invalidateOwnedBy(userId));
  bus.subscribe('key', () => keys.reload());
  // Scopes, users and consents are read from the database on every use: no process keeps a copy.
}

function invalidationReporter(logger: Logger): (event: InvalidationEvent) => void {
  const sendFailures = logThrottle(reportEveryMs);
  const handlerFailures = logThrottle(reportEveryMs);
  return function reportInvalidation(event) {
    switch (event.kind) {
      case 'connected':
        logger.info('invalidation bus listening');
        return;
      case 'disconnected':
        logger.warn('invalidation bus disconnected; caches fall back to their TTLs until it is back');
        return;
      case 'send-failed': {
        const suppressed = sendFailures();
        if (suppressed === undefined) return;
        logger.warn(
          { err: errorMessage(event.error), ...(suppressed > 0 ? { suppressed } : {}) },
          'invalidation not sent; other instances see the change when their caches expire',
        );
        return;
      }
      case 'handler-failed': {
        const suppressed = handlerFailures();
        if (suppressed === undefined) return;
        logger.warn(
          { topic: event.topic, err: errorMessage(event.error), ...(suppressed > 0 ? { suppressed } : {}) },
          'cache invalidation failed',
        );
        return;
      }
    }
  };
}

function errorMessage(error: unknown): { message: string } {
  return { message: error instanceof Error ? error.message : String(error) };
}
