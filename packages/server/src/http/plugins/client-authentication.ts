import type { FastifyRequest } from 'fastify';
import type { Client } from '../../clients/client.js';
import type { ClientDirectory } from '../../clients/client-directory.js';
import { isWellFormedClientId, isWellFormedClientSecret } from '../../clients/credential-form.js';
import { authenticateClient, type ClientCredentials } from '../../oauth/client-auth.js';
import { InvalidClient, InvalidRequest } from '../../oauth/errors.js';
import type { Clock } from '../../platform/clock.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the client-authentication preHandler on routes that use it. */
    oauthClient: Client | null;
    /** The secret it proved itself with (null: a public client), for its last use (clients/client-usage.ts). */
    oauthClientSecretId: string | null;
    /** The Authorization header's Basic credentials, parsed once per request (basicCredentials). */
    parsedBasicCredentials: BasicCredentials | InvalidClient | null;
  }
}

export interface BasicCredentials {
  readonly clientId: string;
  readonly secret: string;
}

export interface ClientAuthenticationOptions {
  /** Accept public clients that only name themselves (token endpoint, revocation). */
  readonly allowPublic: boolean;
  /** Also accept a public client named by the X-Client-Id header (revocation). */
  readonly acceptClientIdHeader?: boolean;
}

/** A preHandler that authenticates the calling client (RFC 6749 §2.3) and sets request.oauthClient. */
export function clientAuthentication(
  directory: ClientDirectory,
  clock: Clock,
  options: ClientAuthenticationOptions,
) {
  return async function authenticateCallingClient(request: FastifyRequest): Promise<void> {
    const credentials = readClientCredentials(request, options);
    if (credentials.method === 'none' && !options.allowPublic) {
      throw new InvalidClient('client authentication is required');
    }
    const authenticated = await authenticateClient(credentials, directory, clock);
    request.oauthClient = authenticated.client;
    request.oauthClientSecretId = authenticated.secretId;
  };
}

export function requireClient(request: FastifyRequest): Client {
  if (request.oauthClient === null) throw new Error('route is missing the client-authentication preHandler');
  return request.oauthClient;
}

function readClientCredentials(
  request: FastifyRequest,
  options: ClientAuthenticationOptions,
): ClientCredentials {
  const body = (request.body ?? {}) as Record<string, string | undefined>;
  const header = request.headers.authorization;

  if (header !== undefined) {
    const basic = basicCredentials(request);
    if (body.client_secret !== undefined) {
      throw new InvalidRequest('the client authenticated with more than one method (RFC 6749 §2.3)');
    }
    if (body.client_id !== undefined && body.client_id !== basic.clientId) {
      throw new InvalidRequest('client_id does not match the authenticated client');
    }
    return { ...basic, method: 'client_secret_basic' };
  }
  if (body.client_secret !== undefined) {
    if (body.client_id === undefined) throw new InvalidClient('client_secret was sent without client_id');
    return { clientId: body.client_id, secret: body.client_secret, method: 'client_secret_post' };
  }
  if (body.client_id !== undefined) return { clientId: body.client_id, secret: undefined, method: 'none' };
  const headerClientId = options.acceptClientIdHeader === true ? request.headers['x-client-id'] : undefined;
  if (typeof headerClientId === 'string') {
    // A parameter like the body's client_id, so refused like it (the body's is bounded by the route schema).
    if (!isWellFormedClientId(headerClientId))
      throw new InvalidRequest('X-Client-Id is not a valid client id');
    return { clientId: headerClientId, secret: undefined, method: 'none' };
  }
  throw new InvalidClient('client authentication is required');
}

/**
 * The request's Basic credentials, parsed on first use and kept on the request: the rate limiter,
 * client authentication and usage counting all read them. Throws InvalidClient when malformed.
 */
export function basicCredentials(request: FastifyRequest): BasicCredentials {
  let parsed = request.parsedBasicCredentials;
  if (parsed === null) {
    try {
      parsed = parseBasic(request.headers.authorization ?? '');
    } catch (error) {
      if (!(error instanceof InvalidClient)) throw error;
      parsed = error;
    }
    request.parsedBasicCredentials = parsed;
  }
  if (parsed instanceof InvalidClient) throw parsed;
  return parsed;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function parseBasic(header: string): BasicCredentials {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (match === null) throw new InvalidClient('the Authorization header must use the Basic scheme');
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw new InvalidClient('malformed Basic credentials');
  let credentials: BasicCredentials;
  try {
    credentials = {
      clientId: formDecode(decoded.slice(0, colon)),
      secret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw new InvalidClient('malformed Basic credentials');
  }
  // Over-long or control characters: no client has such credentials, so none is looked up.
  if (!isWellFormedClientId(credentials.clientId) || !isWellFormedClientSecret(credentials.secret))
    throw new InvalidClient('malformed Basic credentials');
  return credentials;
}

function formDecode(value: string): string {
  // Tessera's own ids and secrets are URL-safe: nothing to decode in the common case.
  if (!value.includes('%') && !value.includes('+')) return value;
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
