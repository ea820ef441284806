import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const version = 'v1';

/** A stored client secret that does not decrypt: the master secret is not the one that wrote it. */
export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

/**
 * AES-256-GCM for upstream client secrets at rest, as keys/key-encryption.ts does for signing
 * keys, under its own HKDF label (a ciphertext of one kind never decrypts as the other). The
 * provider id is bound as additional data, so a secret cannot be moved to another provider's row.
 */
export class SecretEncryption {
  readonly #key: Buffer;

  constructor(masterSecret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', masterSecret, 'tessera', 'upstream-client-secret/v1', 32));
  }

  encrypt(plaintext: string, providerId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(providerId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [version, ...[iv, cipher.getAuthTag(), ciphertext].map((p) => p.toString('base64url'))].join('.');
  }

  decrypt(encoded: string, providerId: string): string {
    const [v, iv, tag, ciphertext] = encoded.split('.');
    if (v !== version || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new SecretDecryptionError(`the client secret of provider ${providerId} is in an unknown format`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(providerId, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(
        `the client secret of provider ${providerId} cannot be decrypted: TESSERA_SECRET is not the one it was stored with`,
      );
    }
  }
}
