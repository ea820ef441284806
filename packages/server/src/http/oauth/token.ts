import type { GrantParameters, TokenResponse } from '../../oauth/grants/grant.js';
import type { Services } from '../../services.js';
import { clientAuthentication, requireClient } from '../plugins/client-authentication.js';
import { oauthBodyTypes, oauthErrorResponses, stringParameters } from '../schemas/oauth.js';
import { oauthParameter } from '../schemas/parameters.js';
import type { App } from '../types.js';
import { countTokenRequest } from './token-usage.js';

interface StringProperty {
  readonly type: 'string';
  readonly description: string;
  readonly maxLength?: number;
  readonly pattern?: string;
}

/** grant_type is always present (commonTokenParameters); naming it types the handler's body. */
type TokenProperties = { readonly grant_type: StringProperty } & Readonly<Record<string, StringProperty>>;

/**
 * The body schema, from the registered grants: the common parameters plus every grant's, so a new
 * grant documents its parameters without an edit here. Each is a string (RFC 6749 §3.1), bounded
 * by its name (schemas/parameters.ts).
 */
function tokenRequest(parameters: GrantParameters) {
  const properties: Record<string, StringProperty> = {};
  for (const [name, description] of Object.entries(parameters)) {
    properties[name] = { ...oauthParameter(name), description };
  }
  return {
    type: 'object',
    properties: properties as TokenProperties,
    required: ['grant_type'],
    ...stringParameters,
  } as const;
}

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
        body: tokenRequest(services.grants.parameters),
        response: { 200: tokenResponse, ...oauthErrorResponses },
      },
      preHandler: clientAuthentication(services.clientDirectory, services.clock, { allowPublic: true }),
      onResponse: countTokenRequest(services.usage, services.clientDirectory),
    },
    async function issueToken(request, reply) {
      const response = await services.grants.handle(request.body.grant_type, {
        client: requireClient(request),
        params: request.body as Record<string, string>,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      services.metrics.tokenIssued(request.body.grant_type);
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      // The schema leaves the object open, so its type has an index signature; an interface has none.
      return response as TokenResponse & Record<string, unknown>;
    },
  );
}
