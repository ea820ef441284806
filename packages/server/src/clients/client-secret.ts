import { randomToken } from '../platform/random.js';

/**
 * The prefix of every client secret Tessera issues (API keys, personal clients, admin-registered
 * confidential clients alike): a leaked secret is then recognisable by secret scanners (GitHub
 * secret scanning's custom patterns, gitleaks, trufflehog) with the one pattern
 * `tsk_[A-Za-z0-9_-]{43}`. Secrets issued before it had no prefix and stay valid: a secret is
 * compared only by its hash.
 */
export const clientSecretPrefix = 'tsk_';

/** A new client secret: the prefix and 256 random bits (43 base64url characters). */
export function newClientSecret(): string {
  return `${clientSecretPrefix}${randomToken(32)}`;
}
