import { pageSecurityPolicy } from '../../src/http/errors/page-error.js';
import { onSessionApi } from '../../src/http/session-api/paths.js';
import type { FuzzRequest } from './framing.js';
import type { RawResponse } from './raw-http.js';
import { expectedFamily, type Family, type Route } from './routes.js';

/**
 * What an answer must be, whatever was sent: no 5xx, no stack trace or internal error text, and
 * every 4xx in its route's documented shape (SPEC, "HTTP surface"): RFC 6749 §5.2 JSON on OAuth
 * routes, the `{"errors":[…]}` envelope on the session API, an HTML page with the pages' CSP.
 * A 429 also says when to come back. Returns what is wrong, or nothing.
 */
export function judge(request: FuzzRequest, response: RawResponse, routes: readonly Route[]): string[] {
  const problems: string[] = [];
  const body = response.body.toString('utf8');
  if (response.status >= 500) problems.push(`answered ${response.status}`);
  if (leaks.test(body)) problems.push(`the body leaks internals: ${JSON.stringify(leaks.exec(body)?.[0])}`);
  if (response.status === 429 && !/^\d+$/.test(header(response, 'retry-after') ?? ''))
    problems.push('a 429 without Retry-After');
  if (response.status >= 400) {
    const families = familiesFor(request, response, routes);
    const wrong = families.map((family) => shapeProblem(family, request, response, body));
    if (!wrong.includes(undefined))
      problems.push(`not in the ${families.join(' or ')} error shape: ${wrong.join('; ')}`);
  }
  return problems;
}

/** Stack frames, file positions and the texts of errors that were never meant to reach a client. */
const leaks =
  /\n\s+at \S|\bat [\w.<>$]+ \(|node:internal|node_modules|\.[cm]?[jt]s:\d+:\d+|"stack"\s*:|SqliteError|SQLITE_|\bTypeError\b|\bReferenceError\b|\bRangeError\b|Cannot read propert|is not a function|violates .* constraint|syntax error at|invalid byte sequence/;

function header(response: RawResponse, name: string): string | undefined {
  return response.headers.get(name)?.[0];
}

/**
 * A request Node refused before Fastify read it has no request id; http/plugins/client-errors.ts
 * answers it by path: the envelope on the session API, RFC 6749's object elsewhere (pages
 * included: no route was chosen, so JSON, as for a 404), both when the path cannot be known. A request whose target the fuzzer
 * disguised (`/signin/..`, `%73ignin`) or broke may be routed anywhere, so any family passes.
 */
function familiesFor(request: FuzzRequest, response: RawResponse, routes: readonly Route[]): Family[] {
  const path = request.routedPath;
  if (header(response, 'x-request-id') === undefined) {
    // Node hands the refusal only the chunk it failed on: past a KB or two of request line, the
    // path may be in an earlier one, so the server cannot tell whose shape to answer in.
    if (path === undefined || (response.status === 431 && request.target.length > 2048))
      return ['oauth', 'session'];
    return [onSessionApi(path) ? 'session' : 'oauth'];
  }
  if (path === undefined) return ['oauth', 'session', 'page'];
  return [expectedFamily(routes, request.method, path)];
}

function shapeProblem(
  family: Family,
  request: FuzzRequest,
  response: RawResponse,
  body: string,
): string | undefined {
  const type = header(response, 'content-type') ?? '';
  if (family === 'page') {
    if (!type.startsWith('text/html')) return `page: content-type ${JSON.stringify(type)}`;
    if (header(response, 'content-security-policy') !== pageSecurityPolicy) return 'page: no page CSP';
    if (request.method !== 'HEAD' && !/^<!doctype html>/i.test(body)) return 'page: not an HTML document';
    return undefined;
  }
  if (!type.startsWith('application/json')) return `${family}: content-type ${JSON.stringify(type)}`;
  if (request.method === 'HEAD') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `${family}: body is not JSON`;
  }
  return family === 'oauth' ? oauthShape(parsed) : sessionShape(parsed);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6749 §5.2: `error` from a restricted ASCII set, `error_description`, nothing else. */
function oauthShape(body: unknown): string | undefined {
  if (!isObject(body)) return 'oauth: not an object';
  if (typeof body.error !== 'string' || !/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/.test(body.error))
    return `oauth: error ${JSON.stringify(body.error)}`;
  if (typeof body.error_description !== 'string') return 'oauth: no error_description';
  const extra = Object.keys(body).filter((key) => !['error', 'error_description', 'error_uri'].includes(key));
  return extra.length === 0 ? undefined : `oauth: extra fields ${extra.join(', ')}`;
}

/** `{"errors":[{"message", "extensions":{"code"}}]}` and nothing else. */
function sessionShape(body: unknown): string | undefined {
  if (!isObject(body) || !Array.isArray(body.errors) || body.errors.length === 0)
    return 'session: no errors array';
  if (Object.keys(body).length !== 1) return `session: extra fields ${Object.keys(body).join(', ')}`;
  for (const entry of body.errors) {
    if (!isObject(entry) || typeof entry.message !== 'string') return 'session: an error without a message';
    if (
      !isObject(entry.extensions) ||
      typeof entry.extensions.code !== 'string' ||
      !/^[A-Z_]+$/.test(entry.extensions.code)
    )
      return 'session: an error without extensions.code';
  }
  return undefined;
}
