/** `{"errors":[{"message", "extensions":{"code"}}]}`: the only shape a session API error has. */
export const sessionErrorSchema = {
  type: 'object',
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          message: { type: 'string' },
          extensions: { type: 'object', properties: { code: { type: 'string' } }, required: ['code'] },
        },
        required: ['message', 'extensions'],
      },
    },
  },
  required: ['errors'],
} as const;

export const sessionErrorResponses = { '4xx': sessionErrorSchema, '5xx': sessionErrorSchema };
