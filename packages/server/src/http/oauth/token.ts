import { Type } from 'typebox';
import type { Services } from '../../services.js';
import { clientAuthentication, requireClient } from '../plugins/client-authentication.js';
import { oauthBodyTypes, oauthErrorResponses, stringParameters } from '../schemas/oauth.js';
import type { App } from '../types.js';

const tokenRequest = Type.Object(
  {
    grant_type: Type.String(),
    scope: Type.Optional(Type.String()),
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
    code: Type.Optional(Type.String()),
    redirect_uri: Type.Optional(Type.String()),
    code_verifier: Type.Optional(Type.String()),
    refresh_token: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
  },
  stringParameters,
);

const tokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  scope: Type.Optional(Type.String()),
  refresh_token: Type.Optional(Type.String()),
  id_token: Type.Optional(Type.String()),
});

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
      return response;
    },
  );
}
