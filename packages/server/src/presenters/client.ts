import type { Client, ClientSecret } from '../clients/client.js';

/**
 * A client as the CLI prints it and the admin and self-service APIs return it (issue 16: one
 * vocabulary). Never a secret nor its hash: a new secret is shown once, by whoever issued it.
 */
export function clientJson(client: Client) {
  return {
    client_id: client.id,
    name: client.name,
    kind: client.kind,
    type: client.type,
    grant_types: [...client.grantTypes],
    redirect_uris: [...client.redirectUris],
    post_logout_redirect_uris: [...client.postLogoutRedirectUris],
    scopes: [...client.scopes],
    owner_user_id: client.ownerUserId,
    access_token_ttl: client.accessTokenTtl,
    refresh_token_ttl: client.refreshTokenTtl,
    first_party: client.firstParty,
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    introspection: client.introspection,
    rate_limit_tier: client.rateLimitTier,
    rate_limit: client.rateLimit,
    created_at: client.createdAt.toISOString(),
    revoked_at: client.revokedAt?.toISOString() ?? null,
  };
}

/** What is known of one secret: when it was made, when it ends, its last use. */
export function clientSecretJson(secret: ClientSecret) {
  return {
    id: secret.id,
    created_at: secret.createdAt.toISOString(),
    expires_at: secret.expiresAt?.toISOString() ?? null,
    last_used_at: secret.lastUsed?.at.toISOString() ?? null,
    last_used_ip: secret.lastUsed?.ip ?? null,
    last_used_user_agent: secret.lastUsed?.userAgent ?? null,
  };
}

const nullableString = { type: ['string', 'null'] } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;

/** The JSON schema of clientJson's object, for the APIs' response schemas (nothing else gets out). */
export const clientJsonSchema = {
  type: 'object',
  properties: {
    client_id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: ['string', 'null'], enum: ['personal', 'api_key', null] },
    type: { type: 'string', enum: ['confidential', 'public'] },
    grant_types: strings,
    redirect_uris: strings,
    post_logout_redirect_uris: strings,
    scopes: strings,
    owner_user_id: nullableString,
    access_token_ttl: nullableInteger,
    refresh_token_ttl: nullableInteger,
    first_party: { type: 'boolean' },
    id_token_signed_response_alg: { type: 'string' },
    introspection: { type: 'boolean' },
    rate_limit_tier: nullableString,
    rate_limit: nullableInteger,
    created_at: { type: 'string', format: 'date-time' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
  },
  required: [
    'client_id',
    'name',
    'kind',
    'type',
    'grant_types',
    'redirect_uris',
    'post_logout_redirect_uris',
    'scopes',
    'owner_user_id',
    'access_token_ttl',
    'refresh_token_ttl',
    'first_party',
    'id_token_signed_response_alg',
    'introspection',
    'rate_limit_tier',
    'rate_limit',
    'created_at',
    'revoked_at',
  ],
  additionalProperties: false,
} as const;

/** The JSON schema of clientSecretJson's object. */
export const clientSecretJsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
    last_used_at: { type: ['string', 'null'], format: 'date-time' },
    last_used_ip: nullableString,
    last_used_user_agent: nullableString,
  },
  required: ['id', 'created_at', 'expires_at', 'last_used_at', 'last_used_ip', 'last_used_user_agent'],
  additionalProperties: false,
} as const;
