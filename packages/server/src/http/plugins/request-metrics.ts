import type { FastifyError, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { Overloaded, RateLimited } from '../../limits/refusals.js';
import { BadClientSecret } from '../../oauth/client-auth.js';
import type { Metrics } from '../../platform/metrics/metrics.js';
import { describeUnavailable, isDependencyUnavailable } from '../../platform/unavailable.js';

/**
 * Counts every request for `/metrics`: one onResponse hook (route pattern, never the URL; status;
 * Fastify's own elapsed time), and one onError hook that names the refusals and dependency
 * failures the error handlers turn into responses. Both are callback hooks, so no promise is
 * made per request, and neither is added when metrics are off. Registered on the root, before
 * the route families, so that every family and the 404 handler inherit them.
 */
export const requestMetrics = fp<{ metrics: Metrics }>(
  async function requestMetricsPlugin(app, { metrics }) {
    app.addHook(
      'onResponse',
      function countRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
        metrics.request(
          request.routeOptions.url ?? 'unmatched',
          request.method,
          reply.statusCode,
          reply.elapsedTime,
        );
        done();
      },
    );
    // onError runs before the scope's error handler, for any error thrown on the way to a response.
    app.addHook(
      'onError',
      function countRefusal(
        _request: FastifyRequest,
        _reply: FastifyReply,
        error: FastifyError | Error,
        done: HookHandlerDoneFunction,
      ) {
        if (error instanceof RateLimited) metrics.refused('rate_limited');
        else if (error instanceof Overloaded) metrics.refused('overloaded');
        else if (error instanceof BadClientSecret) metrics.refused('bad_client_secret');
        else if (isDependencyUnavailable(error)) {
          // Redis failures fall back where they happen (revocations ask the database, limits count
          // locally or shed as Overloaded): an unavailability without a name is the database's.
          metrics.dependencyFailed(describeUnavailable(error).dependency ?? 'database');
        }
        done();
      },
    );
  },
  { name: 'request-metrics' },
);
