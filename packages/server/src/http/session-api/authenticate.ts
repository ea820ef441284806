import type { FastifyRequest } from 'fastify';
import { sessionApiClientId } from '../../accounts/session.js';
import type { CheckedAccessToken } from '../../oauth/access-token-check.js';
import type { Services } from '../../services.js';
import { AccessTokenError } from '../../tokens/access-token.js';
import { bearerToken } from './credentials.js';
import { authenticationRequired, invalidToken, tokenExpired } from './errors.js';

/** The caller's access token, checked; the session API's 401s in the exact words clients expect. */
export async function authenticateUser(
  request: FastifyRequest,
  services: Services,
): Promise<CheckedAccessToken & { user: NonNullable<CheckedAccessToken['user']>; token: string }> {
  const token = bearerToken(request);
  if (token === undefined) throw authenticationRequired();
  try {
    const checked = await services.accessTokenCheck.check(token);
    // Only the session API's own tokens (and service-account tokens): an OAuth client's token
    // carries the scopes a user consented to, and /me would reveal more than they allow.
    if (checked.user === undefined || checked.claims.client_id !== sessionApiClientId) throw invalidToken();
    return { ...checked, user: checked.user, token };
  } catch (error) {
    if (error instanceof AccessTokenError)
      throw error.problem === 'expired' ? tokenExpired() : invalidToken();
    throw error;
  }
}
