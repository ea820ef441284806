import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, wwwAuthenticate } from '../challenge.js';
import { InsufficientScopeError, InvalidTokenError } from '../errors.js';
import { bearerFrom } from '../scopes.js';
import type { AccessTokenClaims, Verifier } from '../verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token's claims, set by requireScopes. */
    auth?: AccessTokenClaims;
  }
}

/**
 * A preHandler: 401 with `WWW-Authenticate: Bearer error="invalid_token"` for a missing, bad or
 * expired token, 403 `insufficient_scope` naming the scope, else `request.auth` holds the claims.
 */
export function requireScopes(verifier: Verifier, ...scopes: string[]) {
  return async function requireScopesHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const token = bearerFrom(request.headers.authorization);
      if (token === undefined) throw new InvalidTokenError('missing', 'an access token is required');
      request.auth = await verifier.verifyWithScopes(token, scopes);
    } catch (error) {
      if (!(error instanceof InvalidTokenError || error instanceof InsufficientScopeError)) throw error;
      await reply
        .status(error.status)
        .header('www-authenticate', wwwAuthenticate(error))
        .send(errorBody(error));
    }
  };
}
