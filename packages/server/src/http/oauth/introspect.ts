import type { Services } from '../../services.js';
import { clientAuthentication, requireClient } from '../plugins/client-authentication.js';
import {
  clientCredentialParameters,
  oauthBodyTypes,
  oauthErrorResponses,
  stringParameters,
} from '../schemas/oauth.js';
import { keywordParameter, tokenParameter } from '../schemas/parameters.js';
import type { App } from '../types.js';

const introspectionRequest = {
  type: 'object',
  properties: { token: tokenParameter, token_type_hint: keywordParameter, ...clientCredentialParameters },
  required: ['token'],
  ...stringParameters,
} as const;

const introspectionResponse = {
  type: 'object',
  properties: {
    active: { type: 'boolean' },
    scope: { type: 'string' },
    client_id: { type: 'string' },
    username: { type: 'string' },
    token_type: { type: 'string' },
    exp: { type: 'integer' },
    iat: { type: 'integer' },
    nbf: { type: 'integer' },
    sub: { type: 'string' },
    aud: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    iss: { type: 'string' },
    jti: { type: 'string' },
    sid: { type: 'string' },
  },
  required: ['active'],
} as const;

/**
 * POST /oauth/introspect (RFC 7662): only authenticated confidential clients may ask; a client
 * without the introspection permission learns only about its own tokens (oauth/introspection.ts).
 */
export function introspectRoute(app: App, services: Services): void {
  app.post(
    '/oauth/introspect',
    {
      schema: {
        summary: 'Token introspection (RFC 7662)',
        tags: ['oauth'],
        consumes: oauthBodyTypes,
        body: introspectionRequest,
        response: { 200: introspectionResponse, ...oauthErrorResponses },
      },
      preHandler: clientAuthentication(services.clientDirectory, services.clock, { allowPublic: false }),
    },
    async function introspectToken(request, reply) {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return services.introspection.introspect(request.body.token, requireClient(request));
    },
  );
}
