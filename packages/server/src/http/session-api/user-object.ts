import { Type } from 'typebox';
import type { User } from '../../accounts/user.js';

/**
 * The session API's user: fixed fields plus every permission as a top-level `true`
 * (`"can_run_pipelines": true`), which is how existing clients read them. Permission names
 * that would shadow a field are refused when created (accounts/user-service.ts).
 */
export const userObjectSchema = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    first_name: Type.String(),
    last_name: Type.String(),
    is_admin: Type.Boolean(),
    groups: Type.Array(Type.String()),
    permissions: Type.Array(Type.String()),
  },
  { additionalProperties: Type.Boolean() },
);

export function userObject(user: User) {
  return {
    ...Object.fromEntries(user.permissions.map((p) => [p, true] as const)),
    id: user.id,
    username: user.username,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    is_admin: user.isAdmin,
    groups: [...user.groups],
    permissions: [...user.permissions],
  };
}
