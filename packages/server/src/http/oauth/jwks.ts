import { Type } from 'typebox';
import type { Services } from '../../services.js';
import type { App } from '../types.js';

/** Public members only: the schema itself keeps a private member (d, p, q, …) from ever going out. */
const publicJwk = Type.Object({
  kty: Type.String(),
  kid: Type.String(),
  alg: Type.String(),
  use: Type.String(),
  crv: Type.Optional(Type.String()),
  x: Type.Optional(Type.String()),
  y: Type.Optional(Type.String()),
  n: Type.Optional(Type.String()),
  e: Type.Optional(Type.String()),
});

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
        response: { 200: Type.Object({ keys: Type.Array(publicJwk) }) },
      },
    },
    async function serveJwks(_request, reply) {
      reply
        .header('cache-control', 'public, max-age=300, stale-while-revalidate=60')
        .header('access-control-allow-origin', '*');
      return services.keys.jwks();
    },
  );
}
