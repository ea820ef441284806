import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, wwwAuthenticate } from '../challenge.js';
import { InsufficientScopeError, InvalidTokenError } from '../errors.js';
import { bearerFrom } from '../scopes.js';
import type { AccessTokenClaims, Verifier } from '../verifier.js';

type Next = (error?: unknown) => void;

/** Express (or Connect) middleware: like the Fastify hook; the claims land on `req.auth`. */
export function requireScopes(verifier: Verifier, ...scopes: string[]) {
  return function requireScopesMiddleware(
    req: IncomingMessage & { auth?: AccessTokenClaims },
    res: ServerResponse,
    next: Next,
  ): void {
    const token = bearerFrom(req.headers.authorization);
    const verified =
      token === undefined
        ? Promise.reject(new InvalidTokenError('missing', 'an access token is required'))
        : verifier.verifyWithScopes(token, scopes);
    verified.then(
      (claims) => {
        req.auth = claims;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof InvalidTokenError || error instanceof InsufficientScopeError))
          return next(error);
        res.statusCode = error.status;
        res.setHeader('www-authenticate', wwwAuthenticate(error));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(errorBody(error)));
      },
    );
  };
}
