import { Type } from 'typebox';
import { introspect } from '../../oauth/introspection.js';
import type { Services } from '../../services.js';
import { clientAuthentication } from '../plugins/client-authentication.js';
import { oauthBodyTypes, oauthErrorResponses, stringParameters } from '../schemas/oauth.js';
import type { App } from '../types.js';

const introspectionRequest = Type.Object(
  { token: Type.String(), token_type_hint: Type.Optional(Type.String()) },
  stringParameters,
);

const introspectionResponse = Type.Object({
  active: Type.Boolean(),
  scope: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
  token_type: Type.Optional(Type.String()),
  exp: Type.Optional(Type.Integer()),
  iat: Type.Optional(Type.Integer()),
  nbf: Type.Optional(Type.Integer()),
  sub: Type.Optional(Type.String()),
  aud: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  iss: Type.Optional(Type.String()),
  jti: Type.Optional(Type.String()),
  sid: Type.Optional(Type.String()),
});

/** POST /oauth/introspect (RFC 7662): only authenticated confidential clients may ask. */
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
      return introspect(request.body.token, services.accessTokenCheck);
    },
  );
}
