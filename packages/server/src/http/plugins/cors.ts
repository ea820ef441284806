import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { App } from '../types.js';

export interface CorsPolicy {
  allows(origin: string): Promise<boolean>;
  /** Whether cookies may come along (the session API's refresh cookie). */
  readonly credentials: boolean;
}

const allowedHeaders = 'authorization, content-type, x-client-id';

/**
 * CORS for endpoints browser apps call: the request's Origin is echoed only when the policy
 * allows it (never `*` with credentials), with `Vary: Origin` so caches keep answers apart.
 */
export function corsHeaders(policy: CorsPolicy) {
  // Callback style with a synchronous fast path: most calls (servers, CLIs) send no Origin.
  return function addCorsHeaders(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const origin = request.headers.origin;
    reply.header('vary', 'Origin');
    if (origin === undefined) {
      done();
      return;
    }
    policy.allows(origin).then(
      (allowed) => {
        if (allowed) {
          reply.header('access-control-allow-origin', origin);
          if (policy.credentials) reply.header('access-control-allow-credentials', 'true');
        }
        done();
      },
      (error: Error) => done(error),
    );
  };
}

/** Answers the CORS preflight (OPTIONS) for `path`. */
export function preflightRoute(app: App, path: string, methods: string, policy: CorsPolicy): void {
  app.options(path, { schema: { hide: true } }, async function preflight(request, reply) {
    const origin = request.headers.origin;
    reply.header('vary', 'Origin');
    if (origin !== undefined && (await policy.allows(origin))) {
      reply
        .header('access-control-allow-origin', origin)
        .header('access-control-allow-methods', methods)
        .header('access-control-allow-headers', allowedHeaders)
        .header('access-control-max-age', '600');
      if (policy.credentials) reply.header('access-control-allow-credentials', 'true');
    }
    return reply.status(204).send();
  });
}
