import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, wwwAuthenticate } from '../challenge.js';
import { InsufficientScopeError, InvalidTokenError } from '../errors.js';
import { bearerFrom } from '../scopes.js';
import type { AccessTokenClaims, Verifier } from '../verifier.js';

/**
 * For a plain node:http handler: the claims when the request may proceed; otherwise the 401/403
 * has been written and the result is undefined.
 *
 *   const claims = await authenticate(verifier, req, res, 'read:agents');
 *   if (claims === undefined) return;
 */
export async function authenticate(
  verifier: Verifier,
  req: IncomingMessage,
  res: ServerResponse,
  ...scopes: string[]
): Promise<AccessTokenClaims | undefined> {
  try {
    const token = bearerFrom(req.headers.authorization);
    if (token === undefined) throw new InvalidTokenError('missing', 'an access token is required');
    return await verifier.verifyWithScopes(token, scopes);
  } catch (error) {
    if (!(error instanceof InvalidTokenError || error instanceof InsufficientScopeError)) throw error;
    res.statusCode = error.status;
    res.setHeader('www-authenticate', wwwAuthenticate(error));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(errorBody(error)));
    return undefined;
  }
}
