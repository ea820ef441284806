import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Headers every response carries. JSON responses get the tightest CSP there is; HTML pages set
 * their own (they need 'self' for styles and forms). Callback-style hook, not async: it runs on
 * every response and a promise per hook is measurable on the token endpoint.
 */
export const securityHeaders = fp(
  async function securityHeadersPlugin(app, options: { https: boolean }) {
    app.addHook(
      'onSend',
      function addSecurityHeaders(
        _request: FastifyRequest,
        reply: FastifyReply,
        payload: unknown,
        done: (error: Error | null, payload: unknown) => void,
      ) {
        reply.header('x-content-type-options', 'nosniff');
        reply.header('referrer-policy', 'no-referrer');
        reply.header('x-frame-options', 'DENY');
        if (options.https) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
        if (!reply.hasHeader('content-security-policy')) {
          reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
        }
        done(null, payload);
      },
    );
  },
  { name: 'security-headers' },
);
