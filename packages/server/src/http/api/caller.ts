import type { FastifyRequest } from 'fastify';
import { sessionApiClientId } from '../../accounts/session.js';
import type { User } from '../../accounts/user.js';
import type { Services } from '../../services.js';
import { AccessTokenError } from '../../tokens/access-token.js';
import { browserSession, csrfTokenIsValid } from '../pages/browser-cookies.js';
import { bearerToken } from '../session-api/credentials.js';
import { authenticationRequired, forbidden, invalidToken, tokenExpired } from '../session-api/errors.js';

/** Who calls the admin or self-service API, and how. */
export interface Caller {
  readonly user: User;
  readonly sessionId: string;
  /** A bearer token (the session API's, or a service account's) or the browser's sign-in cookie. */
  readonly via: 'bearer' | 'browser';
  /** For the audit log: `user:<id>`. */
  readonly actor: string;
}

/** The permission that makes a service account an administrator (people have `is_admin`). */
export const adminPermission = 'admin';

export function isAdministrator(user: User): boolean {
  return user.kind === 'service' ? user.permissions.includes(adminPermission) : user.isAdmin;
}

/** Header a browser's script sends its CSRF token in (the same token the pages' forms carry). */
export const csrfHeader = 'x-csrf-token';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The caller of an API request, or a 401 in the session envelope. A bearer token must be the
 * session API's or a service account's (an OAuth client's token carries only what a user
 * consented to). Without one, the browser's sign-in cookie counts, and then every request that
 * changes something must carry the browser's CSRF token in `X-CSRF-Token`: a cross-site page can
 * make the browser send the cookie, but cannot read the token.
 */
export async function identifyCaller(request: FastifyRequest, services: Services): Promise<Caller> {
  const token = bearerToken(request);
  if (token !== undefined) return bearerCaller(token, services);
  if (request.headers.authorization !== undefined) throw invalidToken();
  const signedIn = await browserSession(request, services);
  if (signedIn === undefined) throw authenticationRequired();
  if (!safeMethods.has(request.method) && !csrfTokenIsValid(request, services, request.headers[csrfHeader])) {
    throw forbidden(`Missing or invalid ${csrfHeader} header`);
  }
  return {
    user: signedIn.user,
    sessionId: signedIn.session.id,
    via: 'browser',
    actor: `user:${signedIn.user.id}`,
  };
}

async function bearerCaller(token: string, services: Services): Promise<Caller> {
  try {
    const checked = await services.accessTokenCheck.check(token);
    const { user, claims } = checked;
    if (user === undefined || claims.client_id !== sessionApiClientId || claims.sid === undefined) {
      throw invalidToken();
    }
    return {
      user,
      sessionId: claims.sid,
      via: 'bearer',
      actor: `user:${user.id}`,
    };
  } catch (error) {
    if (error instanceof AccessTokenError)
      throw error.problem === 'expired' ? tokenExpired() : invalidToken();
    throw error;
  }
}
