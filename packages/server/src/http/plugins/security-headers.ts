import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Headers every response carries: the request's id (X-Request-Id, the same as in its log line)
 * and the security headers, in one hook, since each hook is a stage every request goes through.
 * JSON responses get the tightest CSP there is; HTML pages set
 * their own later in the request (they need 'self' for styles and forms), which replaces this one.
 * Set in onRequest rather than onSend: Fastify skips the whole onSend stage when no hook is
 * registered, which the token endpoint measurably gains from, and error replies keep headers set
 * earlier. Callback style, not async: no promise per request.
 */
export const securityHeaders = fp(
  async function securityHeadersPlugin(app, options: { https: boolean }) {
    app.addHook(
      'onRequest',
      function addResponseHeaders(
        request: FastifyRequest,
        reply: FastifyReply,
        done: HookHandlerDoneFunction,
      ) {
        reply.header('x-request-id', request.id);
        reply.header('x-content-type-options', 'nosniff');
        reply.header('referrer-policy', 'no-referrer');
        reply.header('x-frame-options', 'DENY');
        reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
        if (options.https) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
        done();
      },
    );
  },
  { name: 'security-headers' },
);
