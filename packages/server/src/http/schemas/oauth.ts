import { Type } from 'typebox';

/** RFC 6749 §5.2 error body: the only fields an OAuth error response may carry. */
export const oauthErrorSchema = Type.Object(
  { error: Type.String(), error_description: Type.Optional(Type.String()) },
  { description: 'RFC 6749 §5.2 error response' },
);

export const oauthErrorResponses = {
  '4xx': oauthErrorSchema,
  '5xx': oauthErrorSchema,
};

/** Every OAuth parameter is a string; unknown ones are ignored (RFC 6749 §3.1). */
export const stringParameters = { additionalProperties: Type.String() };

export const oauthBodyTypes = ['application/x-www-form-urlencoded', 'application/json'];
