import type { JWK } from 'jose';

export const signingAlgorithms = ['ES256', 'RS256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof signingAlgorithms)[number];

/** What a key signs: access tokens (RFC 9068) or ID tokens. */
export type KeyUse = 'access' | 'id';

/** A published public key: always with its kid, algorithm and use. */
export type PublicJwk = JWK & { kty: string; kid: string; alg: string; use: string };

export interface StoredSigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly use: KeyUse;
  readonly publicJwk: PublicJwk;
  /** PKCS#8 DER of the private key, AES-256-GCM encrypted (key-encryption.ts). */
  readonly encryptedPrivateKey: string;
  readonly status: 'active' | 'retired';
  readonly createdAt: Date;
  readonly retiredAt: Date | null;
  /** A retired key's public half is published until then: the last expiry of anything it signed. */
  readonly retainUntil: Date | null;
}

export interface SigningKeyStore {
  list(): Promise<StoredSigningKey[]>;
  insert(key: StoredSigningKey): Promise<void>;
  retire(kid: string, at: Date, retainUntil: Date): Promise<void>;
  /** Removes retired keys whose every token has expired. */
  deleteRetiredBefore(now: Date): Promise<number>;
}
