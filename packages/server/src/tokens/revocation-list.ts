/** Where revoked access-token ids live until the token would have expired anyway. */
export interface RevokedTokenStore {
  insert(jti: string, expiresAt: Date, revokedAt: Date): Promise<void>;
  contains(jti: string): Promise<boolean>;
  listUnexpired(now: Date): Promise<Array<{ jti: string; expiresAt: Date }>>;
  deleteExpired(now: Date): Promise<number>;
}

/**
 * Revoked JWT access tokens, by `jti`. The database holds the list; with Redis configured
 * (redis-revocation-list.ts), every instance sees a revocation at once without a database read.
 */
export interface RevocationList {
  revoke(jti: string, expiresAt: Date): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
  purgeExpired(): Promise<number>;
}
