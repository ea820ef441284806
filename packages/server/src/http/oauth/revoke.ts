import { revokeToken } from '../../oauth/revocation.js';
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

const revocationRequest = {
  type: 'object',
  properties: { token: tokenParameter, token_type_hint: keywordParameter, ...clientCredentialParameters },
  required: ['token'],
  ...stringParameters,
} as const;

/** POST /oauth/revoke (RFC 7009): 200 with an empty body whether or not the token was known. */
export function revokeRoute(app: App, services: Services): void {
  app.post(
    '/oauth/revoke',
    {
      schema: {
        summary: 'Token revocation (RFC 7009)',
        tags: ['oauth'],
        consumes: oauthBodyTypes,
        body: revocationRequest,
        response: { 200: { type: 'null', description: 'empty body' }, ...oauthErrorResponses },
      },
      preHandler: clientAuthentication(services.clientDirectory, services.clock, {
        allowPublic: true,
        acceptClientIdHeader: true,
      }),
    },
    async function revoke(request, reply) {
      await revokeToken(
        {
          token: request.body.token,
          client: requireClient(request),
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        },
        services,
      );
      reply.header('cache-control', 'no-store');
      // RFC 7009 §2.2: 200 with no body; the null schema documents that, the cast sends nothing at all.
      return reply.status(200).send(undefined as unknown as null);
    },
  );
}
