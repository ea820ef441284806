import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import type { App } from '../types.js';

/** Who may call a group of endpoints from a browser page. */
interface CorsPolicy {
  allows(origin: string): Promise<boolean>;
  /** Whether cookies may come along (the session API's refresh cookie). */
  readonly credentials: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route's CORS options, read by @fastify/cors on each request (set by useCors). */
    cors?: FastifyCorsOptions;
  }
  interface FastifyRequest {
    /** Set by @fastify/cors when it answered an allowed preflight. */
    corsPreflightEnabled: boolean;
  }
}

const allowedHeaders = 'authorization, content-type, x-client-id';

/**
 * CORS with @fastify/cors, one policy per group of endpoints: browser apps (public clients'
 * origins, no cookies) on the token, revocation and userinfo endpoints; first-party web apps
 * (TESSERA_CORS_ORIGINS, with the refresh cookie) on the session API; nothing elsewhere. The
 * request's Origin is echoed only when the policy allows it (never `*` with credentials), with
 * `Vary: Origin` so caches keep answers apart. Discovery and the JWKS answer `*` themselves.
 *
 * Each route gets its policy once, when it is added (`config.cors`), rather than per request
 * through a delegator: @fastify/cors then does no more per request than merge the route's
 * options, and a request without an Origin (servers, CLIs: most token requests) stops there.
 * A preflight is answered by an OPTIONS route of the same path, carrying the same options.
 */
export async function useCors(app: App, services: Services): Promise<void> {
  const browserApps: CorsPolicy = {
    allows: (origin) => services.browserOrigins.allows(origin),
    credentials: false,
  };
  const firstParty: CorsPolicy = {
    allows: async (origin) => services.config.corsOrigins.includes(origin),
    credentials: true,
  };
  /** Path → the policy and the methods a preflight may announce. */
  const routes = new Map<string, { policy: CorsPolicy; methods: string }>([
    ['/oauth/token', { policy: browserApps, methods: 'POST' }],
    ['/oauth/revoke', { policy: browserApps, methods: 'POST' }],
    ['/oauth/userinfo', { policy: browserApps, methods: 'GET, POST' }],
    ['/login', { policy: firstParty, methods: 'POST' }],
    ['/token', { policy: firstParty, methods: 'GET' }],
    ['/me', { policy: firstParty, methods: 'GET' }],
    ['/logout', { policy: firstParty, methods: 'POST' }],
  ]);
  const optionsFor = ({ policy, methods }: { policy: CorsPolicy; methods: string }): FastifyCorsOptions => ({
    origin: (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) => {
      if (origin === undefined) return callback(null, false);
      policy.allows(origin).then(
        (allowed) => callback(null, allowed),
        (error: Error) => callback(error, false),
      );
    },
    methods,
    allowedHeaders,
    credentials: policy.credentials,
    maxAge: 600,
    strictPreflight: false,
  });

  // Before the routes, so that every route added after this gets its policy.
  app.addHook('onRoute', function attachCorsPolicy(route) {
    const entry = routes.get(route.url ?? '');
    if (entry !== undefined) route.config = { ...route.config, cors: optionsFor(entry) };
  });
  await app.register(cors, { hook: 'onRequest', origin: false });
  for (const url of routes.keys()) {
    app.options(
      url,
      { schema: { hide: true } },
      function preflight(request: FastifyRequest, reply: FastifyReply) {
        // @fastify/cors answered an allowed preflight in its hook; anything else is not a route.
        if (!request.corsPreflightEnabled) return reply.callNotFound();
        return reply.send();
      },
    );
  }
}
