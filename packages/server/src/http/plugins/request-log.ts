import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/**
 * One line per request: id, method, route pattern, status, latency. Never the URL's query,
 * headers or body, where codes, tokens and secrets travel.
 */
export const requestLog = fp(
  async function requestLogPlugin(app) {
    app.addHook('onRequest', async function exposeRequestId(request: FastifyRequest, reply: FastifyReply) {
      reply.header('x-request-id', request.id);
    });
    app.addHook('onResponse', async function logRequest(request: FastifyRequest, reply: FastifyReply) {
      request.log.info(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request',
      );
    });
  },
  { name: 'request-log' },
);
