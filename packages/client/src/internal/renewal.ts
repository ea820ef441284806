import { decodeJwtPayload } from './jwt.js';

/**
 * Seconds before expiry at which a token is renewed: the configured leeway, but never more than
 * half of the token's lifetime. A leeway at or above the lifetime would make every token "about to
 * expire" the moment it arrives, which turns caching off: each call would fetch a new one, and
 * the re-read under the refresh lock would never find a token fresh enough to use (issue 13).
 */
export function renewalLeeway(configuredSeconds: number, lifetimeSeconds: number | undefined): number {
  if (lifetimeSeconds === undefined || !(lifetimeSeconds > 0)) return configuredSeconds;
  return Math.min(configuredSeconds, lifetimeSeconds / 2);
}

/** Whether a token expiring at `expiresAt` (epoch seconds) is due for renewal at `now`. */
export function renewalDue(
  expiresAt: number | undefined,
  lifetimeSeconds: number | undefined,
  configuredSeconds: number,
  now: number,
): boolean {
  if (expiresAt === undefined) return false;
  return expiresAt - renewalLeeway(configuredSeconds, lifetimeSeconds) <= now;
}

/** A JWT access token's lifetime (`exp` − `iat`, both the server's clock), when it has both claims. */
export function jwtLifetime(token: string): number | undefined {
  const claims = decodeJwtPayload(token);
  const { exp, iat } = claims ?? {};
  return typeof exp === 'number' && typeof iat === 'number' && exp > iat ? exp - iat : undefined;
}
