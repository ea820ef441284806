import type { User } from '../accounts/user.js';

/**
 * The session API's user: fixed fields plus every permission as a top-level `true`
 * (`"can_run_pipelines": true`), which is how existing clients read them. Permission names
 * that would shadow a field are refused when created (accounts/user-service.ts).
 */
export const userObjectSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    email: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    first_name: { type: 'string' },
    last_name: { type: 'string' },
    is_admin: { type: 'boolean' },
    groups: { type: 'array', items: { type: 'string' } },
    permissions: { type: 'array', items: { type: 'string' } },
  },
  required: ['id', 'username', 'email', 'first_name', 'last_name', 'is_admin', 'groups', 'permissions'],
  additionalProperties: { type: 'boolean' },
} as const;

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
