import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Overloaded, RateLimited } from '../../limits/refusals.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../platform/errors.js';
import { isDependencyUnavailable } from '../../platform/unavailable.js';
import { fieldProblem } from '../schemas/field-problem.js';
import { badRequest, SessionApiError } from '../session-api/errors.js';
import { reportUnavailable, retryAfterSeconds, unavailableMessage } from './unavailable.js';

/**
 * The one place an error on the session API (and the admin and self-service APIs) becomes HTTP: the envelope
 * `{"errors":[{"message", "extensions":{"code"}}]}`. Anything unexpected is logged and answered
 * as a bare 500 with no detail.
 */
export function sendSessionError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (isDependencyUnavailable(error)) {
    reportUnavailable(request.log, error);
    reply
      .status(503)
      .headers({ 'retry-after': String(retryAfterSeconds), 'cache-control': 'no-store' })
      .send(envelope(unavailableMessage, 'SERVICE_UNAVAILABLE'));
    return;
  }
  const known = toSessionError(error);
  if (known === undefined) {
    request.log.error({ err: error }, 'unhandled error');
    reply
      .status(500)
      .header('cache-control', 'no-store')
      .send(envelope('Internal server error', 'INTERNAL_SERVER_ERROR'));
    return;
  }
  reply
    .status(known.status)
    .headers({ ...known.headers, 'cache-control': 'no-store' })
    .send(envelope(known.message, known.code));
}

export function envelope(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

function toSessionError(error: FastifyError | Error): SessionApiError | undefined {
  if (error instanceof SessionApiError) return error;
  // Management errors (admin and self-service APIs share this envelope): the message is the domain's.
  if (error instanceof InvalidInputError) return badRequest(error.message);
  if (error instanceof NotFoundError) return new SessionApiError('NOT_FOUND', error.message, 404);
  if (error instanceof ConflictError) return new SessionApiError('CONFLICT', error.message, 409);
  if (error instanceof RateLimited) {
    return new SessionApiError('RATE_LIMITED', error.message, 429, {
      'retry-after': String(error.retryAfter),
    });
  }
  if (error instanceof Overloaded) {
    return new SessionApiError('SERVICE_UNAVAILABLE', error.message, 503, {
      'retry-after': String(error.retryAfter),
    });
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) {
    const first = fastifyError.validation[0];
    if (first?.keyword === 'required') {
      return badRequest(
        `Missing required field: ${String((first.params as { missingProperty?: unknown }).missingProperty)}`,
      );
    }
    if (first?.keyword === 'additionalProperties') {
      return badRequest(
        `Unknown field: ${String((first.params as { additionalProperty?: unknown }).additionalProperty)}`,
      );
    }
    const field = first?.instancePath.replace(/^\//, '') ?? '';
    return badRequest(
      field === '' || first === undefined
        ? 'The request body must be a JSON object'
        : `Field '${field}' ${fieldProblem(first)}`,
    );
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return badRequest('Unsupported content type; send application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SessionApiError('BAD_REQUEST', 'Request body is too large', 413);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return badRequest('Request body is not valid JSON');
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500)
    return new SessionApiError('BAD_REQUEST', 'Bad request', status);
  return undefined;
}
