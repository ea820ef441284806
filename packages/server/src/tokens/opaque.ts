import { randomToken } from '../platform/random.js';
import { hashSecret } from '../platform/secret-hash.js';

export interface OpaqueToken {
  /** Handed to the client once. */
  readonly value: string;
  /** The only form that is stored. */
  readonly hash: string;
}

/** A 256-bit opaque bearer value (refresh token, authorization code) and its storage hash. */
export function newOpaqueToken(): OpaqueToken {
  const value = randomToken(32);
  return { value, hash: hashSecret(value) };
}
