import { sign } from 'node:crypto';
import type { ActiveKey } from '../keys/key-manager.js';

/**
 * Compact JWS signing with node:crypto KeyObjects. jose's SignJWT goes through WebCrypto, which
 * on Node 20 signs ES256 about 2.7 times slower than node:crypto (bench/sign.mjs measures
 * both); the token endpoint is the hot path, so it signs here. Verification always goes through
 * jose, and the tests verify every token kind this signs with jose.
 */
export function signJwt(typ: JwtType, payload: Record<string, unknown>, key: ActiveKey): string {
  const signingInput = `${encodedHeader(typ, key)}.${encode(payload)}`;
  const data = Buffer.from(signingInput, 'ascii');
  const signature =
    key.alg === 'ES256'
      ? // JWS (RFC 7518 §3.4) wants the raw r||s form, not DER.
        sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
      : key.alg === 'RS256'
        ? sign('sha256', data, key.privateKey)
        : sign(null, data, key.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** `at+jwt` for access tokens (RFC 9068 §2.1), `JWT` for ID tokens. */
export type JwtType = 'at+jwt' | 'JWT';

/** The encoded protected header per key and type: the same bytes for every token, made once. */
const headers = new WeakMap<ActiveKey, Map<JwtType, string>>();

function encodedHeader(typ: JwtType, key: ActiveKey): string {
  let byType = headers.get(key);
  if (byType === undefined) {
    byType = new Map();
    headers.set(key, byType);
  }
  let encoded = byType.get(typ);
  if (encoded === undefined) {
    encoded = encode({ typ, alg: key.alg, kid: key.kid });
    byType.set(typ, encoded);
  }
  return encoded;
}

function encode(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
