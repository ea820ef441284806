import { clientKinds } from '../../clients/client.js';
import { maxOverlapSeconds } from '../../clients/client-service.js';
import { usageRetentionDays } from '../../clients/client-usage.js';
import { clientJsonSchema, clientSecretJsonSchema } from '../../presenters/client.js';
import { boundedText, clientIdParameter } from '../schemas/parameters.js';

/** Schemas of the self-service clients routes (SPEC's field names). */

const dateTime = { type: 'string', format: 'date-time' } as const;

export const clientParams = {
  type: 'object',
  properties: { client_id: clientIdParameter },
  required: ['client_id'],
  additionalProperties: false,
} as const;

export const createOwnClientBody = {
  type: 'object',
  properties: {
    name: boundedText(200),
    kind: {
      type: 'string',
      enum: clientKinds,
      description:
        'personal: the password grant, for you only; api_key: client credentials, tokens for the key itself',
    },
    scopes: {
      type: 'array',
      items: boundedText(128),
      maxItems: 100,
      description:
        'Registered scopes, none restricted (an API key: no OpenID Connect scope). Left out: openid profile email for a personal client, none for an API key',
    },
  },
  required: ['name', 'kind'],
  additionalProperties: false,
} as const;

export const createdOwnClientSchema = {
  type: 'object',
  properties: {
    client_id: { type: 'string' },
    client_secret: { type: 'string', description: 'Shown this once; only its hash is kept' },
    kind: { type: 'string', enum: clientKinds },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    created_at: dateTime,
  },
  required: ['client_id', 'client_secret', 'kind', 'name', 'scopes', 'created_at'],
  additionalProperties: false,
} as const;

export const ownClientListSchema = {
  type: 'object',
  properties: {
    clients: {
      type: 'array',
      items: {
        ...clientJsonSchema,
        properties: {
          ...clientJsonSchema.properties,
          secrets: {
            type: 'array',
            items: clientSecretJsonSchema,
            description:
              'The secrets that still work: two during a rotation overlap. Never the secret itself',
          },
        },
        required: [...clientJsonSchema.required, 'secrets'],
      },
    },
  },
  required: ['clients'],
  additionalProperties: false,
} as const;

export const rotateOwnClientBody = {
  type: 'object',
  properties: {
    overlap_seconds: {
      type: 'integer',
      minimum: 0,
      maximum: maxOverlapSeconds,
      description: 'How long the previous secret keeps working; 0 (the default) ends it at once',
    },
  },
  additionalProperties: false,
} as const;

export const rotatedSecretSchema = {
  type: 'object',
  properties: {
    client_secret: { type: 'string', description: 'Shown this once; only its hash is kept' },
    previous_secret_expires_at: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'Until then the previous secret works too; null when there was none',
    },
  },
  required: ['client_secret', 'previous_secret_expires_at'],
  additionalProperties: false,
} as const;

export const usageQuery = {
  type: 'object',
  properties: {
    days: {
      type: 'string',
      pattern: '^[0-9]{1,3}$',
      description: `Days back from today (UTC), today included: 1 to ${usageRetentionDays} (default 30)`,
    },
  },
  additionalProperties: false,
} as const;

export const usageSchema = {
  type: 'object',
  properties: {
    days: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          date: { type: 'string', format: 'date', description: 'A UTC day, YYYY-MM-DD' },
          granted: { type: 'integer', description: 'Token requests answered with a token' },
          refused: {
            type: 'integer',
            description:
              'Token requests refused: a wrong secret, a scope or grant not allowed, the rate limit',
          },
        },
        required: ['date', 'granted', 'refused'],
        additionalProperties: false,
      },
    },
  },
  required: ['days'],
  additionalProperties: false,
} as const;
