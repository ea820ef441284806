import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import type { Clock } from '../../platform/clock.js';
import type { IdentityProvider, IdTokenUseStore } from './identity-provider.js';
import type { UpstreamMetadataCache } from './upstream-metadata.js';
import { UpstreamTokenRejected } from './upstream-rejection.js';

/**
 * Asymmetric signatures only: never `none`, and never HMAC, whose "secret" would be whatever key
 * the verifier holds (the provider's public key, for the classic confusion attack).
 */
export const acceptedAlgorithms: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** Seconds of clock skew allowed on exp, iat and nbf. */
export const clockLeewaySeconds = 30;
/** Larger than any real id_token; a bigger one is refused before any parsing. */
const maxTokenLength = 16_384;

/** Subject and issuer of a verified id_token, with its claims. */
export interface VerifiedIdToken {
  readonly provider: IdentityProvider;
  readonly issuer: string;
  readonly subject: string;
  readonly claims: JWTPayload & Record<string, unknown>;
}

export interface IdTokenExpectations {
  /** The nonce the token must carry (the browser flow's; POST /oidc-login's when the app sends one). */
  readonly nonce?: string | undefined;
  /** Only this provider's tokens (the browser flow's callback knows which provider it asked). */
  readonly providerId?: string | undefined;
}

interface IdTokenCheckDeps {
  /** The configured providers (provider-directory.ts). */
  readonly providers: () => Promise<readonly IdentityProvider[]>;
  readonly metadata: UpstreamMetadataCache;
  readonly uses: IdTokenUseStore;
  readonly clock: Clock;
}

const reject = (detail: string) => new UpstreamTokenRejected(detail);

/**
 * Verifies an upstream id_token (OIDC Core §3.1.3.7): a configured provider's exact `iss`, its
 * client id in `aud` (and as `azp` when there are several audiences or an azp at all), a signature
 * by one of the provider's published keys with an accepted algorithm, `exp` / `iat` / `nbf` within
 * a small leeway, the expected nonce; then records it, so the same token is refused next time by
 * every instance (the use is in the database) until it expires.
 */
export class IdTokenCheck {
  readonly #deps: IdTokenCheckDeps;

  constructor(deps: IdTokenCheckDeps) {
    this.#deps = deps;
  }

  async verify(token: string, expected: IdTokenExpectations = {}): Promise<VerifiedIdToken> {
    if (token.length > maxTokenLength) throw reject('the id_token is too long');
    const { header, payload } = decode(token);
    if (typeof header.alg !== 'string' || !acceptedAlgorithms.includes(header.alg))
      throw reject("the id_token's signing algorithm is not accepted (none and HMAC never are)");
    const provider = await this.#provider(payload, expected.providerId);

    const { clock, metadata } = this.#deps;
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, (h) => metadata.key(provider.issuer, h), {
        issuer: provider.issuer,
        audience: provider.clientId,
        algorithms: [...acceptedAlgorithms],
        currentDate: clock.now(),
        clockTolerance: clockLeewaySeconds,
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (error) {
      throw joseRejection(error) ?? error;
    }
    const now = Math.floor(clock.now().getTime() / 1000);
    if ((claims.iat as number) > now + clockLeewaySeconds)
      throw reject("the id_token's issue time (iat) is in the future");
    const audiences = [claims.aud ?? []].flat();
    if ((audiences.length > 1 || claims.azp !== undefined) && claims.azp !== provider.clientId)
      throw reject("the id_token's authorized party (azp) is not the provider's client id");
    if (expected.nonce !== undefined && claims.nonce !== expected.nonce)
      throw reject("the id_token's nonce does not match");
    if (typeof claims.sub !== 'string' || claims.sub === '')
      throw reject('the id_token has no subject (sub)');

    const expiresAt = new Date(((claims.exp as number) + clockLeewaySeconds) * 1000);
    if (!(await this.#deps.uses.record(useKey(token, claims), expiresAt)))
      throw reject('the id_token has already been used');
    return {
      provider,
      issuer: provider.issuer,
      subject: claims.sub,
      claims: claims as JWTPayload & Record<string, unknown>,
    };
  }

  /** The provider whose issuer is exactly `iss` and whose client id is among the audiences. */
  async #provider(payload: JWTPayload, providerId: string | undefined): Promise<IdentityProvider> {
    const all = await this.#deps.providers();
    const ofIssuer = all.filter(
      (p) => p.issuer === payload.iss && (providerId === undefined || p.id === providerId),
    );
    if (ofIssuer.length === 0)
      throw reject("the id_token's issuer (iss) is not a configured identity provider");
    const audiences = [payload.aud ?? []].flat();
    const provider = ofIssuer.find((p) => audiences.includes(p.clientId));
    if (provider === undefined)
      throw reject("the id_token's audience (aud) does not include the provider's client id");
    return provider;
  }
}

function decode(token: string): { header: ReturnType<typeof decodeProtectedHeader>; payload: JWTPayload } {
  try {
    return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
  } catch {
    throw reject('the id_token is not a well-formed signed JWT');
  }
}

/**
 * The replay key: the issuer and `jti` when the token has one (a token re-signed with the same jti
 * is the same token), else the token itself; only a digest is stored.
 */
function useKey(token: string, claims: JWTPayload): string {
  const material = typeof claims.jti === 'string' ? `jti\n${claims.iss}\n${claims.jti}` : `jwt\n${token}`;
  return createHash('sha256').update(material).digest('base64url');
}

/** jose's verdicts in words; undefined for what is not a verdict on the token (an unreachable provider). */
function joseRejection(error: unknown): UpstreamTokenRejected | undefined {
  const { code, claim } = error as { code?: unknown; claim?: unknown };
  switch (code) {
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return reject('the id_token is signed with a key the provider does not publish');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return reject("the id_token's signature does not verify with the provider's keys");
    case 'ERR_JWT_EXPIRED':
      return reject('the id_token has expired');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return reject("the id_token's signing algorithm is not accepted (none and HMAC never are)");
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      switch (claim) {
        case 'iss':
          return reject("the id_token's issuer (iss) is not a configured identity provider");
        case 'aud':
          return reject("the id_token's audience (aud) does not include the provider's client id");
        case 'nbf':
          return reject('the id_token is not valid yet (nbf)');
        case 'iat':
          return reject("the id_token's issue time (iat) is missing or in the future");
        case 'exp':
          return reject('the id_token has no expiry (exp)');
        case 'sub':
          return reject('the id_token has no subject (sub)');
        default:
          return reject('a claim of the id_token is not acceptable');
      }
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
    case 'ERR_JWK_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return reject('the id_token is not a well-formed signed JWT, or its key cannot be used');
    default:
      return undefined;
  }
}
