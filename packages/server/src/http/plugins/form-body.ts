import { InvalidRequest } from '../../oauth/errors.js';
import type { App } from '../types.js';

type RawParams = Record<string, string | string[]>;

/**
 * The only body types OAuth endpoints take: form-encoded (RFC 6749) and JSON. Every other
 * content type, text/plain included, is refused by Fastify with a 415 that the scope's error
 * handler turns into invalid_request. Parameters are normalised while parsing, not in a hook of
 * their own (a hook stage costs every token request): a parameter sent twice is refused
 * (RFC 6749 §3.2) and an empty one dropped, since it "MUST be treated as if omitted" (§3.1).
 */
export function useOAuthBodyParsers(app: App, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    function parseOAuthForm(_request, body, done) {
      const params = parseFormBody(body as string);
      for (const [key, value] of Object.entries(params)) {
        if (Array.isArray(value)) {
          done(new InvalidRequest(`Parameter '${key}' was sent more than once`), undefined);
          return;
        }
        if (value === '') delete params[key];
      }
      done(null, params);
    },
  );
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    function parseOAuthJson(request, body, done) {
      parseJson(request, body as string, (error: Error | null, value?: unknown) => {
        if (error !== null) {
          done(error, undefined);
          return;
        }
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          const params = value as Record<string, unknown>;
          for (const key of Object.keys(params)) if (params[key] === '') delete params[key];
        }
        done(null, value);
      });
    },
  );
  // No body at all reads as no parameters, so the schema names the first missing one; a parser,
  // when there is a body, replaces this.
  app.addHook('onRequest', function noBodyMeansNoParameters(request, _reply, next) {
    request.body = {};
    next();
  });
}

/** application/json only (the session API: a cross-site form cannot send it). */
export function useJsonParser(app: App, bodyLimit: number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    function parseJsonBody(request, body, done) {
      // `Content-Type: application/json` with no body (POST /logout from some clients) means no
      // body; a route that needs one still says what is missing.
      const text = body as string;
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      parseJson(request, text, done);
    },
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
