import { createRemoteJWKSet, customFetch, errors, type JWTPayload, jwtVerify } from 'jose';
import { InvalidTokenError } from './errors.js';
import { type IntrospectionOptions, Introspector } from './introspection.js';
import { assertScopes } from './scopes.js';

/** Claims of a verified RFC 9068 access token. */
export interface AccessTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly sub: string;
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly client_id: string;
  readonly scope?: string;
  readonly sid?: string;
  readonly user_id?: string;
  readonly type?: string;
}

export interface VerifierOptions {
  /** The Tessera issuer URL, exactly as in its discovery document. */
  readonly issuer: string;
  /** The `aud` this API accepts (Tessera's default audience is the issuer). */
  readonly audience: string | readonly string[];
  /** Accepted signature algorithms; default ES256, RS256, EdDSA (never `none` or HMAC). */
  readonly algorithms?: readonly string[];
  /** Seconds of clock skew tolerated on exp/iat; default 5. */
  readonly clockTolerance?: number;
  /**
   * Minimum seconds between two JWKS fetches caused by unknown `kid`s; default 30. Tessera
   * publishes a rotated key at least this long before it signs with it, so keep it ≤ 30.
   */
  readonly jwksCooldown?: number;
  /**
   * Also ask Tessera's introspection endpoint, so revoked tokens are refused within
   * `cacheSeconds` (default 5; 0: at once, one call per request).
   */
  readonly introspection?: IntrospectionOptions;
  /** Injected fetch (tests, proxies); default the global one. */
  readonly fetch?: typeof fetch;
  /** Injected clock for exp checks; default the system clock. */
  readonly now?: () => Date;
}

export interface Verifier {
  /** Verifies a token: signature through the JWKS, RFC 9068 `typ`, iss, aud, exp, algorithm. */
  verify(token: string): Promise<AccessTokenClaims>;
  /** verify(), then InsufficientScopeError unless every scope is held. */
  verifyWithScopes(token: string, scopes: readonly string[]): Promise<AccessTokenClaims>;
}

interface Metadata {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly introspection_endpoint?: string;
}

const defaultAlgorithms = ['ES256', 'RS256', 'EdDSA'];

/**
 * A verifier for one issuer and audience. Discovery runs once, on first use; keys come from jose's
 * remote JWKS, which caches them and refetches (at most once per cooldown) when a token names a
 * `kid` it does not know, which is how a key rotation reaches this API.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  if (!URL.canParse(options.issuer)) throw new TypeError('createVerifier: issuer must be an absolute URL');
  const algorithms = [...(options.algorithms ?? defaultAlgorithms)];
  if (algorithms.some((alg) => alg === 'none' || alg.startsWith('HS'))) {
    throw new TypeError('createVerifier: only asymmetric algorithms may be allowed');
  }
  const fetchImpl = options.fetch ?? fetch;
  let ready:
    | Promise<{ jwks: ReturnType<typeof createRemoteJWKSet>; introspector: Introspector | undefined }>
    | undefined;

  function prepare() {
    ready ??= discover(options.issuer, fetchImpl).then((metadata) => ({
      jwks: createRemoteJWKSet(new URL(metadata.jwks_uri), {
        cooldownDuration: (options.jwksCooldown ?? 30) * 1000,
        [customFetch]: fetchImpl,
      }),
      introspector:
        options.introspection === undefined
          ? undefined
          : new Introspector(requireEndpoint(metadata), options.introspection, fetchImpl),
    }));
    // A failed discovery is retried on the next request rather than remembered.
    ready.catch(() => {
      ready = undefined;
    });
    return ready;
  }

  async function verify(token: string): Promise<AccessTokenClaims> {
    const { jwks, introspector } = await prepare();
    let claims: AccessTokenClaims;
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.audience as string | string[],
        typ: 'at+jwt',
        algorithms,
        clockTolerance: options.clockTolerance ?? 5,
        requiredClaims: ['exp', 'iat', 'sub', 'jti', 'client_id'],
        ...(options.now === undefined ? {} : { currentDate: options.now() }),
      });
      claims = payload as AccessTokenClaims;
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw new InvalidTokenError('expired', 'the access token has expired', { cause: error });
      if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout)) {
        throw new InvalidTokenError('invalid', 'the access token is not valid', { cause: error });
      }
      throw error;
    }
    if (introspector !== undefined && !(await introspector.isActive(token))) {
      throw new InvalidTokenError('revoked', 'the access token is no longer active');
    }
    return claims;
  }

  return {
    verify,
    async verifyWithScopes(token, scopes) {
      const claims = await verify(token);
      assertScopes(claims, scopes);
      return claims;
    },
  };
}

async function discover(issuer: string, fetchImpl: typeof fetch): Promise<Metadata> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/oauth-authorization-server`;
  const response = await fetchImpl(url, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`discovery failed: ${url} answered ${response.status}`);
  const metadata = (await response.json()) as Partial<Metadata>;
  // RFC 8414 §3.3: the document must name the issuer we asked about.
  if (metadata.issuer !== issuer || typeof metadata.jwks_uri !== 'string') {
    throw new Error(`discovery failed: ${url} does not describe issuer ${issuer}`);
  }
  return metadata as Metadata;
}

function requireEndpoint(metadata: Metadata): string {
  if (metadata.introspection_endpoint === undefined)
    throw new Error('the issuer advertises no introspection_endpoint');
  return metadata.introspection_endpoint;
}
