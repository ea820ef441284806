import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { BearerError, MissingBearerToken } from '../../oauth/errors.js';
import { userinfoClaims } from '../../oauth/userinfo.js';
import type { Services } from '../../services.js';
import { AccessTokenError } from '../../tokens/access-token.js';
import { oauthErrorResponses } from '../schemas/oauth.js';
import { bearerToken } from '../session-api/credentials.js';
import type { App } from '../types.js';

const claims = Type.Object(
  {
    sub: Type.String(),
    scope: Type.String(),
    name: Type.Optional(Type.String()),
    given_name: Type.Optional(Type.String()),
    family_name: Type.Optional(Type.String()),
    preferred_username: Type.Optional(Type.String()),
    picture: Type.Optional(Type.String()),
    profile_picture: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    has_custom_picture: Type.Optional(Type.Boolean()),
    updated_at: Type.Optional(Type.Integer()),
    email: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    email_verified: Type.Optional(Type.Boolean()),
    groups: Type.Optional(Type.Array(Type.String())),
  },
  // Attributes released by scopes (`--claim`) are free-form JSON values.
  { additionalProperties: true },
);

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
    if (!granted.includes('openid'))
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
        body: Type.Object(
          { access_token: Type.Optional(Type.String()) },
          { additionalProperties: Type.String() },
        ),
      },
    },
    async function postUserinfo(request, reply) {
      reply.header('cache-control', 'no-store');
      return userinfo(request);
    },
  );
}
