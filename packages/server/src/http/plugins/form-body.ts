import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { InvalidRequest } from '../../oauth/errors.js';
import type { App } from '../types.js';

type RawParams = Record<string, string | string[]>;

/**
 * The only body types OAuth endpoints take: form-encoded (RFC 6749) and JSON. Every other
 * content type, text/plain included, is refused by Fastify with a 415 that the scope's error
 * handler turns into invalid_request.
 */
export function useOAuthBodyParsers(app: App, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  useFormParser(app, bodyLimit);
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    app.getDefaultJsonParser('error', 'error'),
  );
}

/** application/json only (the session API: a cross-site form cannot send it). */
export function useJsonParser(app: App, bodyLimit: number): void {
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    app.getDefaultJsonParser('error', 'error'),
  );
}

/** application/x-www-form-urlencoded, keeping repeated keys as arrays. */
export function useFormParser(app: App, bodyLimit: number): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    function parseForm(_request, body, done) {
      done(null, parseFormBody(body as string));
    },
  );
}

/** Form fields, keeping a repeated key as an array so that it can be refused (RFC 6749 §3.2). */
export function parseFormBody(body: string): RawParams {
  const fields = new Map<string, string | string[]>();
  for (const [key, value] of new URLSearchParams(body)) {
    const seen = fields.get(key);
    // Push, never copy: a body of thousands of repeats of one key must stay linear.
    if (seen === undefined) fields.set(key, value);
    else if (Array.isArray(seen)) seen.push(value);
    else fields.set(key, [seen, value]);
  }
  // fromEntries makes a "__proto__" field an own property, never the prototype.
  return Object.fromEntries(fields);
}

/**
 * preValidation: refuse a parameter sent twice (RFC 6749 §3.2) and drop empty ones, which
 * "MUST be treated as if they were omitted" (§3.1).
 */
export function normalizeOAuthParameters(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  // No body at all reads as no parameters, so the schema names the first missing one.
  if (request.body === undefined || request.body === null) request.body = {};
  const body = request.body;
  if (typeof body !== 'object' || Array.isArray(body)) {
    done();
    return;
  }
  const params = body as Record<string, unknown>;
  for (const [key, value] of Object.entries(params)) {
    if (Array.isArray(value) && isFormBody(request)) {
      done(new InvalidRequest(`Parameter '${key}' was sent more than once`));
      return;
    }
    if (value === '') delete params[key];
  }
  done();
}

function isFormBody(request: FastifyRequest): boolean {
  return (
    request.headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded') === true
  );
}
