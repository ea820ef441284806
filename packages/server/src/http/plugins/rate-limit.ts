import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Decision } from '../../limits/limiters.js';
import type { LimitedRoute, Subject } from '../../limits/rate-limits.js';
import { holdThenRefuse, RateLimited } from '../../limits/refusals.js';
import type { Services } from '../../services.js';
import type { App } from '../types.js';
import { basicCredentials } from './client-authentication.js';

/** Which budget a route spends and whom it counts: the client address, the claimed client or the bearer token. */
export interface LimitRule {
  readonly route: LimitedRoute;
  readonly by: Subject['by'];
}

/**
 * Rate limits for one route family (STYLE C4: registered on its scope, so its error handler
 * answers a refusal in the family's shape). One preValidation hook looks the route up in `rules`:
 * it runs after the body is parsed (a client may name itself in it) and before the schema, so
 * malformed requests count too. Every limited response carries the X-RateLimit headers.
 */
export function useRateLimits(
  scope: App,
  services: Services,
  rules: Readonly<Record<string, LimitRule>> | { readonly everyRoute: LimitRule },
): void {
  const limits = services.rateLimits;
  if (limits === undefined) return;
  const everyRoute = 'everyRoute' in rules ? (rules.everyRoute as LimitRule) : undefined;
  const table = new Map(everyRoute === undefined ? Object.entries(rules as Record<string, LimitRule>) : []);
  // Callback style, with the subject found without a promise when it can be (the client cache):
  // this hook runs on every limited request.
  scope.addHook('preValidation', function rateLimit(request, reply, done) {
    const rule = everyRoute ?? table.get(request.routeOptions.url ?? '');
    if (rule === undefined) return done();
    const subject = subjectOf(rule.by, request, services);
    const decided =
      subject instanceof Promise
        ? subject.then((found) => limits.consume(rule.route, found))
        : limits.consume(rule.route, subject);
    if (decided === undefined) return done();
    decided.then((decision) => {
      if (decision === undefined) return done();
      setRateLimitHeaders(reply, decision);
      if (decision.allowed) return done();
      const refusal = new RateLimited(
        `rate limit exceeded: ${decision.limit} requests per ${services.config.rateLimitWindow} seconds`,
        decision.resetAt - Date.now(),
      );
      // Per-address budgets are what floods meet; API clients counted by id or token get theirs at once.
      if (rule.by === 'ip') holdThenRefuse(refusal).catch(done);
      else done(refusal);
    }, done);
  });
}

function setRateLimitHeaders(reply: FastifyReply, decision: Decision): void {
  reply.headers({
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': String(Math.ceil(decision.resetAt / 1000)),
  });
}

/** Whom the request is counted for; a promise only when the client it names is not in the cache. */
function subjectOf(
  by: Subject['by'],
  request: FastifyRequest,
  services: Services,
): Subject | Promise<Subject> {
  switch (by) {
    case 'ip':
      return { by, ip: request.ip };
    case 'client': {
      const clientId = claimedClientId(request);
      if (clientId === undefined) return { by, client: undefined, ip: request.ip };
      const cached = services.clientDirectory.cached(clientId);
      if (cached !== undefined) return { by, client: cached, ip: request.ip };
      // The directory looks up only well-formed ids and never caches unknown ones.
      return services.clientDirectory
        .find(clientId)
        .then((entry) => ({ by, client: entry?.client, ip: request.ip }));
    }
    case 'token': {
      const token = bearerToken(request);
      if (token === undefined) return { by: 'ip', ip: request.ip };
      return { by, digest: digest(token), serviceAccount: claimsServiceAccount(token) };
    }
  }
}

/** The client a request names, before any secret is checked (RFC 6749 §2.3: Basic, or client_id). */
export function claimedClientId(request: FastifyRequest): string | undefined {
  if (request.headers.authorization !== undefined) {
    try {
      return basicCredentials(request).clientId;
    } catch {
      return undefined;
    }
  }
  const bodyId = bodyField(request, 'client_id');
  if (bodyId !== undefined) return bodyId;
  const named = request.headers['x-client-id'];
  return typeof named === 'string' ? named : undefined;
}

/** RFC 6750 §2.1 header, or §2.2 form parameter (userinfo by POST). */
function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match === null ? undefined : match[1];
  }
  return bodyField(request, 'access_token');
}

function bodyField(request: FastifyRequest, name: string): string | undefined {
  const body = request.body;
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** A digest keeps tokens out of the limiter's keys (and out of Redis). */
function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Whether the token says it is a service account's, read without verifying it: it only picks the
 * budget, and a forged token gains nothing, since every distinct token has its own count anyway.
 */
function claimsServiceAccount(token: string): boolean {
  const payload = token.split('.')[1];
  if (payload === undefined || payload.length > 4096) return false;
  try {
    return (
      (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { type?: unknown }).type ===
      'service'
    );
  } catch {
    return false;
  }
}
