import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { onSessionApi } from '../session-api/paths.js';
import { sendOAuthError } from './oauth-error-response.js';
import { sendSessionError } from './session-error-response.js';

/**
 * Errors outside the three scopes: routes of the root (discovery, JWKS, probes, the CORS
 * preflight `OPTIONS *`) and requests no route matched, whose body is still parsed. Like the
 * not-found handler: the session API's envelope on its paths, RFC 6749's error object elsewhere.
 */
export function sendRootError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (onSessionApi(request.url)) sendSessionError(error, request, reply);
  else sendOAuthError(error, request, reply);
}
