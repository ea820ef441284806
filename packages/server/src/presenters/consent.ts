import type { ListedConsent } from '../oauth/user-consents.js';

/** A consent as the admin and self-service APIs list it: the client, the scopes allowed, when. */
export function consentJson(consent: ListedConsent) {
  return {
    client_id: consent.clientId,
    client_name: consent.clientName,
    scopes: [...consent.scopes],
    granted_at: consent.grantedAt.toISOString(),
  };
}

export const consentJsonSchema = {
  type: 'object',
  properties: {
    client_id: { type: 'string' },
    client_name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    granted_at: { type: 'string', format: 'date-time' },
  },
  required: ['client_id', 'client_name', 'scopes', 'granted_at'],
  additionalProperties: false,
} as const;
