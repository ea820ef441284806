import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Keys for cookies, derived from the master secret(s): the first signs, every one verifies, so
 * the key can rotate without signing everyone out (@fastify/cookie takes the list). A separate
 * derived key makes the CSRF form tokens.
 */
export class CookieSigner {
  /** Signing keys, newest first. */
  readonly keys: readonly Buffer[];
  readonly #csrfKey: Buffer;

  constructor(masterSecrets: readonly string[]) {
    const [current] = masterSecrets;
    if (current === undefined) throw new Error('a cookie secret is required');
    this.keys = masterSecrets.map((secret) => derive(secret, 'cookie-signing/v1'));
    this.#csrfKey = derive(current, 'csrf/v1');
  }

  /** A keyed digest of a value: the CSRF token bound to the browser's CSRF cookie. */
  mac(value: string): string {
    return createHmac('sha256', this.#csrfKey).update(value, 'utf8').digest('base64url');
  }
}

function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'tessera', purpose, 32));
}
