import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';

/**
 * One line per request: id (also the response's X-Request-Id, security-headers.ts), method, route
 * pattern, status, latency. Never the URL's query, headers or body, where codes, tokens and
 * secrets travel. A callback-style hook (no promise per request), and the line goes to the root
 * logger with the id as a field, so no per-request child logger is made (lazy-request-logger.ts).
 */
export const requestLog = fp(
  async function requestLogPlugin(app) {
    const logger = app.log;
    // Below info level the line would be dropped anyway: skip the hook, and its cost per request.
    if (!(logger as unknown as Logger).isLevelEnabled('info')) return;
    app.addHook(
      'onResponse',
      function logRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
        logger.info(
          {
            reqId: request.id,
            method: request.method,
            route: request.routeOptions.url ?? 'unmatched',
            status: reply.statusCode,
            ms: Math.round(reply.elapsedTime * 100) / 100,
          },
          'request',
        );
        done();
      },
    );
  },
  { name: 'request-log' },
);
