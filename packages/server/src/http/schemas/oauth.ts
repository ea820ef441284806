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

/** Every OAuth parameter is a string; unknown ones are ignored (RFC 6749 §3.1). */
export const stringParameters = { additionalProperties: { type: 'string' } } as const;

export const oauthBodyTypes = ['application/x-www-form-urlencoded', 'application/json'];
