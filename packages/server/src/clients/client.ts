export type ClientType = 'confidential' | 'public';

/**
 * What a user made for themself in the self-service API: a personal client (the password grant,
 * for its owner only) or an API key (client credentials). null: registered by an administrator.
 */
export type ClientKind = 'personal' | 'api_key';
export const clientKinds: readonly ClientKind[] = ['personal', 'api_key'];

/** A `grant_type` value; which ones exist is the grant catalogue's to say (see GrantKind). */
export type GrantType = string;

/**
 * What client registration needs to know of a grant. The grants themselves live in oauth/grants,
 * which imports this package and not the reverse, so the catalogue is handed in by services.ts.
 */
export interface GrantKind {
  readonly type: GrantType;
  /** Whether a public client (no secret) may use this grant at all. */
  readonly allowsPublicClients: boolean;
}

export const idTokenAlgorithms = ['RS256', 'ES256', 'EdDSA'] as const;
export type IdTokenAlgorithm = (typeof idTokenAlgorithms)[number];

export interface Client {
  readonly id: string;
  readonly name: string;
  readonly kind: ClientKind | null;
  readonly type: ClientType;
  readonly grantTypes: readonly GrantType[];
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  /** Scopes the client may request; also what it gets when it requests none. */
  readonly scopes: readonly string[];
  /** Set for a personal client: it may obtain tokens for this user only. */
  readonly ownerUserId: string | null;
  readonly accessTokenTtl: number | null;
  readonly refreshTokenTtl: number | null;
  readonly firstParty: boolean;
  /** May introspect any token (a resource server); otherwise only tokens issued to itself (RFC 7662 §4). */
  readonly introspection: boolean;
  /** Its budget on the token, revocation and introspection endpoints: a named tier … */
  readonly rateLimitTier: string | null;
  /** … or its own number of requests per minute, which wins; both null: the endpoint's default. */
  readonly rateLimit: number | null;
  readonly idTokenSignedResponseAlg: IdTokenAlgorithm;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly revokedAt: Date | null;
}

export interface ClientSecret {
  readonly id: string;
  readonly clientId: string;
  /** SHA-256 of the secret (see platform/secret-hash.ts); the secret itself is never stored. */
  readonly hash: string;
  readonly createdAt: Date;
  /** null: valid until rotated; otherwise the end of the rotation overlap. */
  readonly expiresAt: Date | null;
  /** The last token request it authenticated, as last written by the usage recorder (client-usage.ts). */
  readonly lastUsed: SecretUse | null;
}

/** One use of a client secret: when, from where, by what. */
export interface SecretUse {
  readonly at: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export function secretIsValid(secret: ClientSecret, now: Date): boolean {
  return secret.expiresAt === null || secret.expiresAt.getTime() > now.getTime();
}
