import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import type { App } from '../types.js';

/** Who may call a group of endpoints from a browser page. */
interface CorsPolicy {
  allows(origin: string): Promise<boolean>;
  /** Whether cookies may come along (the session API's refresh cookie). */
  readonly credentials: boolean;
}

const allowedHeaders = 'authorization, content-type, x-client-id';
const notAllowed: FastifyCorsOptions = { origin: false };

/**
 * CORS with @fastify/cors, one policy per group of endpoints: browser apps (public clients'
 * origins, no cookies) on the token, revocation and userinfo endpoints; first-party web apps
 * (TESSERA_CORS_ORIGINS, with the refresh cookie) on the session API; nothing elsewhere. The
 * request's Origin is echoed only when the policy allows it (never `*` with credentials), with
 * `Vary: Origin` so caches keep answers apart. Discovery and the JWKS answer `*` themselves.
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

  await app.register(cors, {
    hook: 'onRequest',
    delegator: function corsPolicyFor(
      request: FastifyRequest,
      callback: (error: Error | null, options: FastifyCorsOptions) => void,
    ) {
      const origin = request.headers.origin;
      const route = routes.get(request.url.split('?', 1)[0] as string);
      // Synchronous fast path: most calls (servers, CLIs) send no Origin.
      if (origin === undefined || route === undefined) return callback(null, notAllowed);
      route.policy.allows(origin).then(
        (allowed) =>
          callback(
            null,
            allowed
              ? {
                  origin,
                  methods: route.methods,
                  allowedHeaders,
                  credentials: route.policy.credentials,
                  maxAge: 600,
                  strictPreflight: false,
                }
              : notAllowed,
          ),
        (error: Error) => callback(error, notAllowed),
      );
    },
  });
}
