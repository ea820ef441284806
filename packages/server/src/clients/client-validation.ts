import { InvalidInputError } from '../platform/errors.js';
import { type ClientType, type GrantType, type IdTokenAlgorithm, idTokenAlgorithms } from './client.js';
import { redirectUriProblem } from './redirect-uri.js';

/**
 * Input rules for client registration (create and update). Messages name the field in words, never
 * a CLI option or a JSON field: the CLI and the admin and self-service APIs show them alike (issue 16).
 */

const maxTtl = 31_536_000;

/**
 * The scopes a client gets when created without any: a client that signs users in through
 * the browser may ask for the OpenID Connect ones (and offline_access with refresh tokens); any
 * other client names its API scopes itself.
 */
export function defaultScopes(grants: readonly GrantType[]): string[] {
  if (!grants.includes('authorization_code')) return [];
  return ['openid', 'profile', 'email', ...(grants.includes('refresh_token') ? ['offline_access'] : [])];
}

export function requireRedirectUri(grants: readonly GrantType[], redirectUris: readonly string[]): void {
  if (grants.includes('authorization_code') && redirectUris.length === 0) {
    throw new InvalidInputError('the authorization_code grant needs at least one redirect URI');
  }
}

export function clientType(value: string): ClientType {
  if (value === 'confidential' || value === 'public') return value;
  throw new InvalidInputError(`the client type must be confidential or public, not '${value}'`);
}

export function clientName(value: string): string {
  const name = value.trim();
  if (name === '' || name.length > 200)
    throw new InvalidInputError('the client name must be 1 to 200 characters');
  return name;
}

/** `what`: the kind of URI in words, for the message ("redirect URI"). */
export function uniqueUris(uris: readonly string[], what: string): string[] {
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem !== undefined) throw new InvalidInputError(`invalid ${what}: ${problem}`);
  }
  return [...new Set(uris)];
}

/** `what`: the lifetime in words ("access token lifetime"); null or undefined: the default. */
export function ttl(what: string, value: number | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isInteger(value) || value < 1 || value > maxTtl) {
    throw new InvalidInputError(`the ${what} must be a whole number of seconds from 1 to ${maxTtl}`);
  }
  return value;
}

export function idTokenAlg(value: string | undefined): IdTokenAlgorithm {
  if (value === undefined) return 'RS256';
  if ((idTokenAlgorithms as readonly string[]).includes(value)) return value as IdTokenAlgorithm;
  throw new InvalidInputError(`the ID token algorithm must be one of ${idTokenAlgorithms.join(', ')}`);
}

const maxRateLimit = 10_000_000;

/** A tier the configuration names (TESSERA_RATE_LIMIT_TIERS), or null to clear it. */
export function rateLimitTier(value: string | null | undefined, tiers: readonly string[]): string | null {
  if (value === undefined || value === null) return null;
  if (tiers.includes(value)) return value;
  throw new InvalidInputError(`the rate-limit tier must be one of ${tiers.join(', ')}`);
}

/** Requests per minute, or null to clear it. */
export function rateLimit(value: number | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isInteger(value) || value < 1 || value > maxRateLimit) {
    throw new InvalidInputError(
      `the rate limit must be a whole number of requests per minute from 1 to ${maxRateLimit}`,
    );
  }
  return value;
}
