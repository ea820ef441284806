import { createHmac, hkdfSync } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';

/**
 * HMAC-SHA256 signatures for cookie values, under a key derived from the master secret, so a
 * browser cannot forge or alter a session or CSRF cookie.
 */
export class CookieSigner {
  readonly #key: Buffer;

  constructor(masterSecret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', masterSecret, 'tessera', 'cookie-signing/v1', 32));
  }

  sign(value: string): string {
    return `${value}.${this.#mac(value)}`;
  }

  /** The value if the signature is good, else undefined. */
  unsign(signed: string): string | undefined {
    const dot = signed.lastIndexOf('.');
    if (dot < 1) return undefined;
    const value = signed.slice(0, dot);
    return constantTimeEqual(signed.slice(dot + 1), this.#mac(value)) ? value : undefined;
  }

  /** A keyed digest of a value, e.g. a CSRF token bound to a session. */
  mac(value: string): string {
    return this.#mac(value);
  }

  #mac(value: string): string {
    return createHmac('sha256', this.#key).update(value, 'utf8').digest('base64url');
  }
}
