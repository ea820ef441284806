import { randomUUID } from 'node:crypto';
import { errors, type JWTPayload, jwtVerify } from 'jose';
import type { KeyManager } from '../keys/key-manager.js';
import type { SigningAlgorithm } from '../keys/signing-key.js';
import type { Clock } from '../platform/clock.js';
import { signJwt } from './jws.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Distinct tokens remembered as verified (about 1 KB each). */
const verifiedTokenCapacity = 5_000;

export interface AccessTokenRequest {
  readonly subject: string;
  readonly clientId: string;
  readonly scope: readonly string[];
  readonly audience: string | readonly string[];
  readonly ttlSeconds: number;
  /** Further claims such as sid, user_id, type. */
  readonly extraClaims?: Readonly<Record<string, unknown>>;
  /** Mint a token already issued once again: same `jti` and `iat` (hence the same `exp`). */
  readonly reissue?: { readonly jti: string; readonly issuedAt: number };
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly jti: string;
  readonly expiresAt: number;
  readonly expiresIn: number;
}

/** Claims of a verified Tessera access token (RFC 9068 §2.2). */
export interface AccessTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly sub: string;
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly client_id: string;
  readonly scope?: string;
  readonly sid?: string;
}

export type AccessTokenProblem = 'expired' | 'invalid';

export class AccessTokenError extends Error {
  override readonly name = 'AccessTokenError';
  readonly problem: AccessTokenProblem;
  constructor(problem: AccessTokenProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

/** Mints and checks RFC 9068 JWT access tokens. */
export class AccessTokens {
  readonly #keys: KeyManager;
  readonly #clock: Clock;
  readonly #issuer: string;
  readonly #alg: SigningAlgorithm;
  readonly #verified = new VerifiedTokenCache<AccessTokenClaims>(verifiedTokenCapacity);

  constructor(keys: KeyManager, clock: Clock, issuer: string, alg: SigningAlgorithm) {
    this.#keys = keys;
    this.#clock = clock;
    this.#issuer = issuer;
    this.#alg = alg;
  }

  issue(request: AccessTokenRequest): IssuedAccessToken {
    const now = Math.floor(this.#clock.now().getTime() / 1000);
    const iat = request.reissue?.issuedAt ?? now;
    const exp = iat + request.ttlSeconds;
    // randomUUID draws from a pre-filled entropy pool: 122 random bits without a syscall per token.
    const jti = request.reissue?.jti ?? randomUUID();
    const payload: Record<string, unknown> = {
      iss: this.#issuer,
      sub: request.subject,
      aud: request.audience,
      exp,
      iat,
      jti,
      client_id: request.clientId,
      ...(request.scope.length > 0 ? { scope: request.scope.join(' ') } : {}),
      ...request.extraClaims,
    };
    const token = signJwt('at+jwt', payload, this.#keys.signingKey('access', this.#alg));
    // A token minted again has lived part of its life already.
    return { token, jti, expiresAt: exp, expiresIn: Math.max(0, exp - now) };
  }

  /** How often `verify` skipped the signature check thanks to its cache (metrics). */
  verifiedTokenStats(): { hits: number; misses: number; size: number } {
    return this.#verified.stats();
  }

  /** Signature, issuer, `typ` and expiry; revocation and session state are checked by the caller. */
  async verify(token: string, options: { acceptExpiredFor?: number } = {}): Promise<AccessTokenClaims> {
    const keys = this.#keys.verificationKeys('access');
    const known = this.#verified.get(token, keys);
    if (known !== undefined) return this.#checkExpiry(known, options.acceptExpiredFor ?? 0);
    try {
      const { payload } = await jwtVerify(token, keys, {
        ...(options.acceptExpiredFor === undefined ? {} : { clockTolerance: options.acceptExpiredFor }),
        issuer: this.#issuer,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256', 'EdDSA'],
        currentDate: this.#clock.now(),
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'client_id'],
      });
      const claims = payload as AccessTokenClaims;
      this.#verified.set(token, keys, claims);
      return claims;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new AccessTokenError('expired', 'token has expired');
      throw new AccessTokenError('invalid', 'token is not a valid access token');
    }
  }

  /** The time checks jwtVerify makes, for a token whose signature was verified before. */
  #checkExpiry(claims: AccessTokenClaims, tolerance: number): AccessTokenClaims {
    const now = Math.floor(this.#clock.now().getTime() / 1000);
    if (claims.exp <= now - tolerance) throw new AccessTokenError('expired', 'token has expired');
    if (claims.nbf !== undefined && claims.nbf > now + tolerance) {
      throw new AccessTokenError('invalid', 'token is not a valid access token');
    }
    return claims;
  }
}
