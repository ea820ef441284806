import { type Dependency, DependencyUnavailable } from '../platform/unavailable.js';
import type { Services } from '../services.js';
import { reportUnavailable } from './errors/unavailable.js';
import type { App } from './types.js';

/**
 * Probes for load balancers and orchestrators. `/healthz` says the process lives (restart it if
 * not); `/readyz` says it can serve (send it traffic only if so): the database answers and, when
 * configured, Redis does. Kept apart so an outage takes instances out of rotation without
 * getting them restarted, which would not bring the database back.
 */

/** Probes are polled every few seconds; one that hangs longer than this says "not ready" by itself. */
const readinessTimeoutMs = 2000;

const checkResult = { type: 'string', enum: ['ok', 'unavailable'] } as const;

const readiness = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    checks: {
      type: 'object',
      description: 'one entry per dependency; `redis` only when TESSERA_REDIS_URL is set',
      properties: { database: checkResult, redis: checkResult },
      required: ['database'],
      additionalProperties: false,
    },
  },
  required: ['status', 'checks'],
  additionalProperties: false,
} as const;

export function operationsRoutes(app: App, services: Services): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        tags: ['operations'],
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string', const: 'ok' } },
            required: ['status'],
          },
        },
      },
    },
    async function health() {
      return { status: 'ok' as const };
    },
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: the database (and Redis, when configured) answer',
        tags: ['operations'],
        response: { 200: readiness, 503: readiness },
      },
    },
    async function ready(request, reply) {
      const { redis } = services;
      const [database, redisCheck] = await Promise.all([
        answers('database', () => services.checkDatabase()),
        redis === undefined ? undefined : answers('redis', () => redis.ping()),
      ]);
      const failures = [database, redisCheck].filter((result) => result instanceof DependencyUnavailable);
      for (const failure of failures) reportUnavailable(request.log, failure);
      const checks = {
        database: stateOf(database),
        ...(redisCheck === undefined ? {} : { redis: stateOf(redisCheck) }),
      };
      reply.status(failures.length === 0 ? 200 : 503).header('cache-control', 'no-store');
      return { status: failures.length === 0 ? ('ready' as const) : ('unavailable' as const), checks };
    },
  );
}

const stateOf = (result: 'ok' | DependencyUnavailable): 'ok' | 'unavailable' =>
  result === 'ok' ? 'ok' : 'unavailable';

/** 'ok' when `probe` resolves within the readiness timeout; otherwise why not. */
async function answers(
  dependency: Dependency,
  probe: () => Promise<unknown>,
): Promise<'ok' | DependencyUnavailable> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DependencyUnavailable(dependency, `no answer within ${readinessTimeoutMs} ms`)),
      readinessTimeoutMs,
    );
  });
  try {
    await Promise.race([Promise.resolve().then(probe), timeout]);
    return 'ok';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return error instanceof DependencyUnavailable
      ? error
      : new DependencyUnavailable(dependency, message, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
