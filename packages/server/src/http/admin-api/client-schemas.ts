import { clientJsonSchema } from '../../presenters/client.js';
import { boundedText, clientIdParameter, keywordParameter, uriParameter } from '../schemas/parameters.js';

/** The admin API's client routes' schemas: field names are the client object's (presenters/client.ts). */

const uris = { type: 'array', items: uriParameter, maxItems: 50 } as const;
const lifetime = { type: ['integer', 'null'], description: "Seconds; null: the server's default" } as const;

/** What both POST (create) and PATCH (update) may set; every field is checked again by ClientService. */
const registrationFields = {
  name: boundedText(200),
  grant_types: { type: 'array', items: keywordParameter, maxItems: 8 },
  redirect_uris: uris,
  post_logout_redirect_uris: uris,
  scopes: {
    type: 'array',
    items: boundedText(128),
    maxItems: 100,
    description:
      'Left out on create: the OpenID Connect scopes for the authorization_code grant, none otherwise',
  },
  access_token_ttl: lifetime,
  refresh_token_ttl: lifetime,
  first_party: { type: 'boolean' },
  id_token_signed_response_alg: keywordParameter,
  introspection: {
    type: 'boolean',
    description: 'May introspect any token (a resource server); otherwise only its own',
  },
  rate_limit_tier: {
    type: ['string', 'null'],
    maxLength: 64,
    description: 'A tier of TESSERA_RATE_LIMIT_TIERS; null: none',
  },
  rate_limit: {
    type: ['integer', 'null'],
    description:
      'Requests per minute on the token, revocation and introspection endpoints, winning over the tier; null: none',
  },
} as const;

export const createClientBody = {
  type: 'object',
  properties: {
    ...registrationFields,
    type: { type: 'string', enum: ['confidential', 'public'] },
    owner_user_id: {
      ...boundedText(64),
      description: 'A personal client: it obtains tokens for this user only',
    },
  },
  required: ['name', 'type'],
  additionalProperties: false,
} as const;

export const updateClientBody = {
  type: 'object',
  properties: registrationFields,
  additionalProperties: false,
} as const;

export const rotateSecretBody = {
  type: 'object',
  properties: {
    overlap_seconds: {
      type: 'integer',
      minimum: 0,
      description: 'How long the previous secret keeps working; 0 (the default) ends it at once',
    },
  },
  additionalProperties: false,
} as const;

export const listClientsQuery = {
  type: 'object',
  properties: {
    search: { ...boundedText(200), description: 'Part of the name or client id, any case' },
    owner_user_id: boundedText(64),
    kind: {
      type: 'string',
      enum: ['personal', 'api_key', 'registered'],
      description: "Users' personal clients or API keys, or the clients an administrator registered",
    },
    cursor: { ...boundedText(512), description: "The previous page's next_cursor" },
    limit: {
      type: 'string',
      pattern: '^[0-9]{1,4}$',
      description: 'Clients per page, 1 to 200 (default 50)',
    },
  },
  additionalProperties: false,
} as const;

export const clientParams = {
  type: 'object',
  properties: { client_id: clientIdParameter },
  required: ['client_id'],
} as const;

/** A new client: its object, with the secret of a confidential one (shown this once). */
export const issuedClientSchema = {
  ...clientJsonSchema,
  properties: { ...clientJsonSchema.properties, client_secret: { type: 'string' } },
} as const;

export const clientPageSchema = {
  type: 'object',
  properties: {
    clients: { type: 'array', items: clientJsonSchema },
    next_cursor: {
      type: ['string', 'null'],
      description: 'The cursor of the next page; null after the last',
    },
  },
  required: ['clients', 'next_cursor'],
} as const;

export const rotatedSecretSchema = {
  type: 'object',
  properties: {
    client_secret: { type: 'string' },
    previous_secret_expires_at: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'Until then the previous secret works too; null when no earlier secret was still valid',
    },
  },
  required: ['client_secret', 'previous_secret_expires_at'],
} as const;
