import type { IdentityProvider } from '../accounts/federation/identity-provider.js';

/**
 * An upstream provider as the CLI prints it and the admin API returns it: never its client secret,
 * only whether it has one; with the redirect_uri to register at the upstream.
 */
export function identityProviderJson(provider: IdentityProvider, redirectUri: string) {
  return {
    id: provider.id,
    name: provider.name,
    issuer: provider.issuer,
    client_id: provider.clientId,
    has_client_secret: provider.encryptedClientSecret !== null,
    redirect_uri: redirectUri,
    scopes: [...provider.scopes],
    username_claim: provider.usernameClaim,
    groups_claim: provider.groupsClaim,
    group_map: { ...provider.groupMap },
    allowed_domains: [...provider.allowedDomains],
    provisioning: provider.provisioning,
    link_by_email: provider.linkByEmail,
    created_at: provider.createdAt.toISOString(),
    updated_at: provider.updatedAt.toISOString(),
  };
}

/** The response schema of `identityProviderJson`: what is not listed here is never sent. */
export const identityProviderJsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    issuer: { type: 'string' },
    client_id: { type: 'string' },
    has_client_secret: { type: 'boolean' },
    redirect_uri: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    username_claim: { type: 'string' },
    groups_claim: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    group_map: { type: 'object', additionalProperties: { type: 'string' } },
    allowed_domains: { type: 'array', items: { type: 'string' } },
    provisioning: { type: 'boolean' },
    link_by_email: { type: 'boolean' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
  required: [
    'id',
    'name',
    'issuer',
    'client_id',
    'has_client_secret',
    'redirect_uri',
    'scopes',
    'username_claim',
    'groups_claim',
    'group_map',
    'allowed_domains',
    'provisioning',
    'link_by_email',
    'created_at',
    'updated_at',
  ],
  additionalProperties: false,
} as const;
