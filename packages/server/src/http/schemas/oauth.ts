import { clientIdParameter, clientSecretParameter, otherParameter } from './parameters.js';

/** RFC 6749 §5.2 error body: the only fields an OAuth error response may carry. */
export const oauthErrorSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, error_description: { type: 'string' } },
  required: ['error'],
  description: 'RFC 6749 §5.2 error response',
} as const;

export const oauthErrorResponses = {
  '4xx': oauthErrorSchema,
  '5xx': oauthErrorSchema,
};

/** Every OAuth parameter is a bounded string; unknown ones are ignored (RFC 6749 §3.1). */
export const stringParameters = { additionalProperties: otherParameter } as const;

/** RFC 6749 §2.3.1: the client credentials an endpoint that authenticates clients reads from the body. */
export const clientCredentialParameters = {
  client_id: clientIdParameter,
  client_secret: clientSecretParameter,
} as const;

export const oauthBodyTypes = ['application/x-www-form-urlencoded', 'application/json'];
