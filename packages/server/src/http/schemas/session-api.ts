import { Type } from 'typebox';

/** `{"errors":[{"message", "extensions":{"code"}}]}`: the only shape a session API error has. */
export const sessionErrorSchema = Type.Object({
  errors: Type.Array(
    Type.Object({ message: Type.String(), extensions: Type.Object({ code: Type.String() }) }),
  ),
});

export const sessionErrorResponses = { '4xx': sessionErrorSchema, '5xx': sessionErrorSchema };
