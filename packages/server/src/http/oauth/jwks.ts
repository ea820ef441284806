import { jwksCache } from '../../keys/key-manager.js';
import type { Services } from '../../services.js';
import type { App } from '../types.js';

/** Public members only: the schema itself keeps a private member (d, p, q, …) from ever going out. */
const publicJwk = {
  type: 'object',
  properties: {
    kty: { type: 'string' },
    kid: { type: 'string' },
    alg: { type: 'string' },
    use: { type: 'string' },
    crv: { type: 'string' },
    x: { type: 'string' },
    y: { type: 'string' },
    n: { type: 'string' },
    e: { type: 'string' },
  },
  required: ['kty', 'kid', 'alg', 'use'],
} as const;

/**
 * GET /oauth/jwks. Cached for five minutes; a verifier that meets an unknown `kid` after a
 * rotation refetches (jose's remote JWKS does), so the cache never blocks a new key.
 */
export function jwksRoute(app: App, services: Services): void {
  app.get(
    '/oauth/jwks',
    {
      schema: {
        summary: 'Public signing keys (RFC 7517)',
        tags: ['oauth'],
        response: {
          200: {
            type: 'object',
            properties: { keys: { type: 'array', items: publicJwk } },
            required: ['keys'],
          },
        },
      },
    },
    async function serveJwks(_request, reply) {
      reply
        .header(
          'cache-control',
          `public, max-age=${jwksCache.maxAgeSeconds}, stale-while-revalidate=${jwksCache.staleSeconds}`,
        )
        .header('access-control-allow-origin', '*');
      return services.keys.jwks();
    },
  );
}
