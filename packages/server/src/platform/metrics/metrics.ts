import type { Registry } from 'prom-client';
import type { Dependency } from '../unavailable.js';
import { processMetrics } from './process-metrics.js';
import { promClient } from './prom-client.js';
import { readinessGauges } from './readiness-gauges.js';
import { RequestHistogram } from './request-histogram.js';
import { Tally } from './tally.js';

/** Why a request was refused, beyond an ordinary protocol error. */
export type RefusalReason = 'bad_client_secret' | 'refresh_reuse' | 'rate_limited' | 'overloaded';

/** What a cache reports on scrape. */
export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
}

/**
 * The counts operators scrape at `/metrics`. Code that counts calls these named methods and never
 * prom-client; with metrics off (neither TESSERA_METRICS_TOKEN nor TESSERA_METRICS_ADDRESS) every
 * method does nothing.
 */
export interface Metrics {
  readonly enabled: boolean;
  /** One answered request: its route pattern (never the URL), method, status and latency in ms. */
  request(route: string, method: string, status: number, milliseconds: number): void;
  tokenIssued(grantType: string): void;
  refused(reason: RefusalReason): void;
  /** A request failed because `dependency` did not answer (answered 503). */
  dependencyFailed(dependency: Dependency): void;
  /** Redis reported a connection error (ioredis repeats it on every reconnection attempt). */
  redisConnectionError(): void;
  /** The exposition: `body` in `contentType`. Probes the dependencies first (readiness). */
  scrape(): Promise<{ readonly contentType: string; readonly body: string }>;
}

/** Values other modules keep and the metrics read on scrape: nothing is counted twice. */
export interface MetricSources {
  readonly caches: Readonly<Record<string, () => CacheStats>>;
  /** Redis commands of the rate limiter that failed or timed out (it fell back). */
  readonly limiterRedisFailures: () => number;
  /** Whether Redis answers revocation checks (false: the database does); absent without Redis. */
  readonly revocationsInSync?: () => boolean;
  /** Resolve when the dependency answers: the same checks as `/readyz`. */
  readonly readiness: Readonly<Partial<Record<Dependency, () => Promise<unknown>>>>;
}

export const disabledMetrics: Metrics = {
  enabled: false,
  request() {},
  tokenIssued() {},
  refused() {},
  dependencyFailed() {},
  redisConnectionError() {},
  scrape() {
    return Promise.reject(new Error('metrics are off'));
  },
};

/** Counts in a registry of this server's own (tests build many servers in one process). */
export function createMetrics(sources: MetricSources): Metrics {
  const { Gauge, prometheusContentType, Registry } = promClient();
  const registry = new Registry();
  const requests = new RequestHistogram(
    'tessera_http_request_duration_seconds',
    'Requests by route pattern, method and status, and how long they took (seconds)',
  );
  const tokens = new Tally<string>(registry, {
    name: 'tessera_tokens_issued_total',
    help: 'Token responses of POST /oauth/token, by grant type',
    label: 'grant_type',
  });
  const refusals = new Tally<RefusalReason>(registry, {
    name: 'tessera_refusals_total',
    help: 'Requests refused: wrong client secret, refresh token replayed (its session ended), over a rate limit or the sign-in backoff, shed under load',
    label: 'reason',
    known: ['bad_client_secret', 'refresh_reuse', 'rate_limited', 'overloaded'],
  });
  const databaseErrors = new Tally<'request'>(registry, {
    name: 'tessera_database_errors_total',
    help: 'Requests answered 503 because the database did not answer (down, restarting, stalled, out of connections)',
    label: 'source',
    known: ['request'],
  });
  const redisErrors = new Tally<'connection' | 'rate_limiter' | 'request'>(registry, {
    name: 'tessera_redis_errors_total',
    help: 'Redis failures: connection errors, rate-limit commands that failed or timed out (counted locally or shed instead), requests answered 503',
    label: 'source',
    known: ['connection', 'request'],
    read: { rate_limiter: sources.limiterRedisFailures },
  });
  cacheMetrics(registry, sources.caches);
  if (sources.revocationsInSync !== undefined) {
    const inSync = sources.revocationsInSync;
    new Gauge({
      name: 'tessera_revocation_list_redis_in_sync',
      help: '1 while Redis answers revocation checks, 0 while the database does (Redis unreachable, or refilling after a loss)',
      registers: [registry],
      collect() {
        this.set(inSync() ? 1 : 0);
      },
    });
  }
  const readiness = readinessGauges(registry, sources.readiness);
  const processRegistry = processMetrics();

  return {
    enabled: true,
    request(route, method, status, milliseconds) {
      requests.record(route, method, status, milliseconds / 1000);
    },
    tokenIssued: (grantType) => tokens.add(grantType),
    refused: (reason) => refusals.add(reason),
    dependencyFailed: (dependency) =>
      dependency === 'database' ? databaseErrors.add('request') : redisErrors.add('request'),
    redisConnectionError: () => redisErrors.add('connection'),
    async scrape() {
      await readiness.probe();
      const [own, process] = await Promise.all([registry.metrics(), processRegistry.metrics()]);
      return { contentType: prometheusContentType, body: `${own}${requests.render()}${process}` };
    },
  };
}

function cacheMetrics(registry: Registry, caches: MetricSources['caches']): void {
  const { Counter, Gauge } = promClient();
  const entries = Object.entries(caches);
  new Counter({
    name: 'tessera_cache_lookups_total',
    help: 'Lookups in in-process caches (clients, verified access tokens) answered from the cache (hit) or not (miss)',
    labelNames: ['cache', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [cache, stats] of entries) {
        const { hits, misses } = stats();
        this.inc({ cache, result: 'hit' }, hits);
        this.inc({ cache, result: 'miss' }, misses);
      }
    },
  });
  new Gauge({
    name: 'tessera_cache_entries',
    help: 'Entries held by each in-process cache',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      for (const [cache, stats] of entries) this.set({ cache }, stats().size);
    },
  });
}
