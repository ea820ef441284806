import type { TokenResponse } from '../../oauth/grants/grant.js';
import type { Services } from '../../services.js';
import { clientAuthentication, requireClient } from '../plugins/client-authentication.js';
import { oauthBodyTypes, oauthErrorResponses, stringParameters } from '../schemas/oauth.js';
import type { App } from '../types.js';

const tokenRequest = {
  type: 'object',
  properties: {
    grant_type: { type: 'string' },
    scope: { type: 'string' },
    client_id: { type: 'string' },
    client_secret: { type: 'string' },
    code: { type: 'string' },
    redirect_uri: { type: 'string' },
    code_verifier: { type: 'string' },
    refresh_token: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
  },
  required: ['grant_type'],
  ...stringParameters,
} as const;

const tokenResponse = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string', const: 'Bearer' },
    expires_in: { type: 'integer' },
    scope: { type: 'string' },
    refresh_token: { type: 'string' },
    id_token: { type: 'string' },
  },
  required: ['access_token', 'token_type', 'expires_in'],
} as const;

/** POST /oauth/token: authenticate the client, dispatch on grant_type (RFC 6749 §3.2). */
export function tokenRoute(app: App, services: Services): void {
  app.post(
    '/oauth/token',
    {
      schema: {
        summary: 'Token endpoint (RFC 6749 §3.2)',
        tags: ['oauth'],
        consumes: oauthBodyTypes,
        body: tokenRequest,
        response: { 200: tokenResponse, ...oauthErrorResponses },
      },
      preHandler: clientAuthentication(services.clientDirectory, services.clock, { allowPublic: true }),
    },
    async function issueToken(request, reply) {
      const response = await services.grants.handle(request.body.grant_type, {
        client: requireClient(request),
        params: request.body as Record<string, string>,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      // The schema leaves the object open, so its type has an index signature; an interface has none.
      return response as TokenResponse & Record<string, unknown>;
    },
  );
}
