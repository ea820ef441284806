import { createHmac, hkdfSync } from 'node:crypto';
import { hashSecret } from '../platform/secret-hash.js';
import type { OpaqueToken } from './opaque.js';

/**
 * The refresh token that replaces a given one, derived from it with a server key. Rotation is
 * thereby idempotent: every use of a token inside the grace window gets the same successor, so
 * concurrent tabs share one chain, and a thief replaying a just-rotated token joins that chain
 * instead of starting a parallel one (the next double use is then detected as reuse).
 */
export class RefreshSuccessors {
  readonly #key: Buffer;

  constructor(masterSecret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', masterSecret, 'tessera', 'refresh-successor/v1', 32));
  }

  successorOf(value: string): OpaqueToken {
    const successor = createHmac('sha256', this.#key).update(value, 'utf8').digest('base64url');
    return { value: successor, hash: hashSecret(successor) };
  }
}
