import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../platform/constant-time.js';

/** RFC 7636 §4.2: S256 challenges are 43 base64url characters. */
const challengePattern = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 §4.1: verifiers are 43–128 unreserved characters. */
const verifierPattern = /^[A-Za-z0-9._~-]{43,128}$/;

export function isValidChallenge(challenge: string): boolean {
  return challengePattern.test(challenge);
}

/** S256 only: `plain` is refused at the authorization endpoint and never reaches here. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!verifierPattern.test(verifier)) return false;
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  return constantTimeEqual(computed, challenge);
}
