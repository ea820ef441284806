import { createHash } from 'node:crypto';

/**
 * Hash of a server-generated 256-bit secret (client secret, refresh token, authorization code).
 *
 * SHA-256 rather than a password KDF on purpose: these values carry 256 bits of entropy, so an
 * attacker holding the database cannot brute-force them whatever the hash's speed; a slow KDF
 * (argon2, bcrypt) would add nothing but latency on the token endpoint's hot path. Human-chosen
 * passwords are different and go through argon2id (password-hash.ts).
 */
export function hashSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}
