import { createHash } from 'node:crypto';
import { compactVerify } from 'jose';
import type { KeyManager } from '../keys/key-manager.js';
import type { SigningAlgorithm } from '../keys/signing-key.js';
import type { Clock } from '../platform/clock.js';
import { signJwt } from './jws.js';

export interface IdTokenRequest {
  readonly subject: string;
  readonly clientId: string;
  readonly alg: SigningAlgorithm;
  readonly nonce: string | null;
  readonly authTime: Date;
  readonly sessionId: string;
  readonly amr: readonly string[];
  /** The access token issued alongside, for `at_hash`. */
  readonly accessToken: string | undefined;
  /** Further claims released through the `claims` request. */
  readonly extraClaims?: Readonly<Record<string, unknown>>;
}

/** OpenID Connect Core §2 ID tokens, signed with the client's chosen algorithm (RS256 by default). */
export class IdTokens {
  readonly #keys: KeyManager;
  readonly #clock: Clock;
  readonly #issuer: string;
  readonly #ttl: number;

  constructor(keys: KeyManager, clock: Clock, issuer: string, ttlSeconds: number) {
    this.#keys = keys;
    this.#clock = clock;
    this.#issuer = issuer;
    this.#ttl = ttlSeconds;
  }

  issue(request: IdTokenRequest): string {
    const iat = Math.floor(this.#clock.now().getTime() / 1000);
    const payload: Record<string, unknown> = {
      ...request.extraClaims,
      iss: this.#issuer,
      sub: request.subject,
      aud: request.clientId,
      exp: iat + this.#ttl,
      iat,
      auth_time: Math.floor(request.authTime.getTime() / 1000),
      sid: request.sessionId,
      amr: [...request.amr],
      ...(request.nonce === null ? {} : { nonce: request.nonce }),
      ...(request.accessToken === undefined ? {} : { at_hash: tokenHash(request.accessToken, request.alg) }),
    };
    return signJwt('JWT', payload, this.#keys.signingKey('id', request.alg));
  }

  /**
   * What an `id_token_hint` (RP-Initiated Logout §2) says, if the token is one of ours: its
   * signature and issuer are checked; its expiry does not matter for a hint.
   */
  async readHint(token: string): Promise<{ audience: string; sid: string | undefined } | undefined> {
    try {
      const { payload } = await compactVerify(token, this.#keys.verificationKeys('id'), {
        algorithms: ['RS256', 'ES256', 'EdDSA'],
      });
      const claims = JSON.parse(new TextDecoder().decode(payload)) as {
        iss?: unknown;
        aud?: unknown;
        sid?: unknown;
      };
      if (claims.iss !== this.#issuer) return undefined;
      const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
      if (typeof audience !== 'string') return undefined;
      return { audience, sid: typeof claims.sid === 'string' ? claims.sid : undefined };
    } catch {
      return undefined;
    }
  }
}

/** OIDC Core §3.1.3.6: the left half of the token's hash, with the hash of the signing algorithm. */
export function tokenHash(token: string, alg: SigningAlgorithm): string {
  // Ed25519 signs with SHA-512 (OIDC Core errata / RFC 8037 usage for at_hash).
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256')
    .update(token, 'ascii')
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
