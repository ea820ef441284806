import { InsufficientScopeError } from './errors.js';
import type { AccessTokenClaims } from './verifier.js';

/** The token's scopes (RFC 9068 §2.2.3: space-separated `scope`). */
export function scopesOf(claims: AccessTokenClaims): string[] {
  return typeof claims.scope === 'string' ? claims.scope.split(' ').filter((s) => s !== '') : [];
}

/** Throws InsufficientScopeError unless the token holds every required scope. */
export function assertScopes(claims: AccessTokenClaims, required: readonly string[]): void {
  const held = new Set(scopesOf(claims));
  if (!required.every((scope) => held.has(scope))) throw new InsufficientScopeError(required);
}

/** The bearer token of an Authorization header (RFC 6750 §2.1), if there is one. */
export function bearerFrom(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  return match?.[1];
}
