import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Overloaded, RateLimited } from '../../limits/refusals.js';
import { InvalidRequest, MissingParameter, OAuthError } from '../../oauth/errors.js';
import { isDependencyUnavailable } from '../../platform/unavailable.js';
import { parameterProblem } from '../schemas/validation-problem.js';
import { reportUnavailable, retryAfterSeconds, unavailableMessage } from './unavailable.js';

/**
 * The one place an error on an OAuth endpoint becomes HTTP: RFC 6749 §5.2 JSON with the right
 * status. Anything that is not a protocol or input error is logged and answered as a bare
 * server_error, never with its message or stack.
 */
export function sendOAuthError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (isDependencyUnavailable(error)) {
    reportUnavailable(request.log, error);
    reply
      .status(503)
      .headers({ 'retry-after': String(retryAfterSeconds), 'cache-control': 'no-store', pragma: 'no-cache' })
      .send({ error: 'temporarily_unavailable', error_description: unavailableMessage });
    return;
  }
  const oauthError = toOAuthError(error);
  if (oauthError === undefined) {
    request.log.error({ err: error }, 'unhandled error');
    reply
      .status(500)
      .header('cache-control', 'no-store')
      .send({ error: 'server_error', error_description: 'internal server error' });
    return;
  }
  reply
    .status(oauthError.status)
    .headers({ ...oauthError.headers, 'cache-control': 'no-store', pragma: 'no-cache' })
    .send({ error: oauthError.code, error_description: oauthError.message });
}

function toOAuthError(error: FastifyError | Error): OAuthError | undefined {
  if (error instanceof OAuthError) return error;
  // RFC 6749 has no code for "slow down" on these endpoints; temporarily_unavailable is the
  // registered one that says so, and the status (429 or 503) and Retry-After say which.
  if (error instanceof RateLimited || error instanceof Overloaded) {
    const status = error instanceof RateLimited ? 429 : 503;
    return new OAuthError('temporarily_unavailable', error.message, status, {
      'retry-after': String(error.retryAfter),
    });
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) return fromValidation(fastifyError);
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new InvalidRequest(
        'unsupported content type; send application/x-www-form-urlencoded or application/json',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OAuthError('invalid_request', 'request body is too large', 413);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidRequest('request body is not valid JSON');
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new OAuthError('invalid_request', 'malformed request', status === 404 ? 404 : 400);
  }
  return undefined;
}

function fromValidation(error: FastifyError): OAuthError {
  const first = error.validation?.[0];
  if (first === undefined) return new InvalidRequest('malformed request');
  if (first.keyword === 'required') {
    return new MissingParameter(String((first.params as { missingProperty?: unknown }).missingProperty));
  }
  const name = first.instancePath.replace(/^\//, '');
  if (name === '') {
    const required = (error as FastifyError & { validationContext?: string }).validationContext;
    return new InvalidRequest(`the request ${required ?? 'body'} must be form-encoded or JSON parameters`);
  }
  return new InvalidRequest(`Parameter '${name}' ${parameterProblem(first)}`);
}
