import type { FastifyRequest } from 'fastify';

/**
 * For a route whose body fields are all optional: a POST with no body at all (as many HTTP
 * clients send one) reads as `{}`, so the body schema validates it like an empty object. A
 * body that is there is left alone: `null` or a list is still refused.
 */
export async function missingBodyAsEmpty(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}
