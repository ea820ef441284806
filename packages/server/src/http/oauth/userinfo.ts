import type { FastifyRequest } from 'fastify';
import { BearerError, MissingBearerToken } from '../../oauth/errors.js';
import { mayReadUserinfo, userinfoClaims } from '../../oauth/userinfo.js';
import type { Services } from '../../services.js';
import { AccessTokenError } from '../../tokens/access-token.js';
import { oauthErrorResponses } from '../schemas/oauth.js';
import { otherParameter, tokenParameter } from '../schemas/parameters.js';
import { bearerToken } from '../session-api/credentials.js';
import type { App } from '../types.js';

const claims = {
  type: 'object',
  properties: {
    sub: { type: 'string' },
    scope: { type: 'string' },
    name: { type: 'string' },
    given_name: { type: 'string' },
    family_name: { type: 'string' },
    preferred_username: { type: 'string' },
    picture: { type: 'string' },
    profile_picture: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    has_custom_picture: { type: 'boolean' },
    updated_at: { type: 'integer' },
    email: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    email_verified: { type: 'boolean' },
    groups: { type: 'array', items: { type: 'string' } },
  },
  required: ['sub', 'scope'],
  // Attributes released by scopes (`--claim`) are free-form JSON values.
  additionalProperties: true,
} as const;

/** GET and POST /oauth/userinfo (OIDC Core §5.3): claims by the token's scopes, RFC 6750 errors. */
export function userinfoRoutes(app: App, services: Services): void {
  async function userinfo(request: FastifyRequest) {
    const fromBody = (request.body as Record<string, string> | undefined)?.access_token;
    const fromHeader = bearerToken(request);
    if (fromBody !== undefined && fromHeader !== undefined) {
      throw new BearerError('invalid_request', 'send the access token once', 400);
    }
    const token = fromHeader ?? fromBody;
    if (token === undefined) throw new MissingBearerToken();
    let checked: Awaited<ReturnType<typeof services.accessTokenCheck.check>>;
    try {
      checked = await services.accessTokenCheck.check(token);
    } catch (error) {
      if (error instanceof AccessTokenError) throw new BearerError('invalid_token', error.message, 401);
      throw error;
    }
    if (checked.user === undefined)
      throw new BearerError('invalid_token', 'the token does not speak for a user', 401);
    const granted = (checked.claims.scope ?? '').split(' ').filter((s) => s !== '');
    if (!mayReadUserinfo(granted))
      throw new BearerError('insufficient_scope', 'the token lacks the openid scope', 403, 'openid');
    return userinfoClaims(checked.user, granted, await services.scopes.list());
  }

  const schema = {
    summary: 'UserInfo (OIDC Core §5.3)',
    tags: ['oauth'],
    response: { 200: claims, ...oauthErrorResponses },
  };
  app.get('/oauth/userinfo', { schema }, async function getUserinfo(request, reply) {
    reply.header('cache-control', 'no-store');
    return userinfo(request);
  });
  app.post(
    '/oauth/userinfo',
    {
      schema: {
        ...schema,
        consumes: ['application/x-www-form-urlencoded'],
        body: {
          type: 'object',
          properties: { access_token: tokenParameter },
          additionalProperties: otherParameter,
        },
      },
    },
    async function postUserinfo(request, reply) {
      reply.header('cache-control', 'no-store');
      return userinfo(request);
    },
  );
}
