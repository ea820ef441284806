import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const version = 'v1';

/** Thrown when a stored private key does not decrypt: the master secret is not the one that wrote it. */
export class KeyDecryptionError extends Error {
  override readonly name = 'KeyDecryptionError';
}

/**
 * AES-256-GCM encryption of private signing keys at rest. The 256-bit key is derived from the
 * master secret with HKDF-SHA256; the key id is bound as additional data, so a ciphertext
 * cannot be moved to another key's row.
 */
export class KeyEncryption {
  readonly #key: Buffer;

  constructor(masterSecret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', masterSecret, 'tessera', 'signing-key-encryption/v1', 32));
  }

  encrypt(plaintext: Buffer, kid: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(kid, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [version, iv, cipher.getAuthTag(), ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  decrypt(encoded: string, kid: string): Buffer {
    const [v, iv, tag, ciphertext] = encoded.split('.');
    if (v !== version || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new KeyDecryptionError(`signing key ${kid} is stored in an unknown format`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(kid, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    } catch {
      throw new KeyDecryptionError(
        `signing key ${kid} cannot be decrypted: TESSERA_SECRET (or the data dir's secret file) is not the one it was encrypted with`,
      );
    }
  }
}
