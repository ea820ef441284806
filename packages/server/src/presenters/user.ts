import type { User } from '../accounts/user.js';
import { userObject, userObjectSchema } from './user-object.js';

/** A person as the CLI prints them (`user create/list/update …`): the management fields. */
export function userJson(user: User) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    is_admin: user.isAdmin,
    disabled: user.disabled,
    groups: [...user.groups],
    permissions: [...user.permissions],
    attributes: { ...user.attributes },
    created_at: user.createdAt.toISOString(),
  };
}

/**
 * An account as the admin API returns it (SPEC: the user object as `/me`, plus
 * `is_service_account`): the session API's user object, every permission also a top-level
 * `true`, with the CLI's management fields and a service account's scopes. The fields win over
 * any permission of the same name, which user-validation.ts refuses to create.
 */
export function adminUserJson(user: User) {
  return {
    ...userObject(user),
    ...userJson(user),
    is_service_account: user.kind === 'service',
    scopes: [...user.scopes],
    updated_at: user.updatedAt.toISOString(),
  };
}

const dateTime = { type: 'string', format: 'date-time' } as const;

/** The schema of adminUserJson's object; permissions as booleans are its only other properties. */
export const adminUserJsonSchema = {
  type: 'object',
  properties: {
    ...userObjectSchema.properties,
    is_service_account: { type: 'boolean' },
    disabled: { type: 'boolean' },
    attributes: {
      type: 'object',
      additionalProperties: true,
      description: 'Free-form; released as claims by the scopes that name them',
    },
    scopes: {
      type: 'array',
      items: { type: 'string' },
      description: "A service account's tokens carry these; empty for people",
    },
    created_at: dateTime,
    updated_at: dateTime,
  },
  required: [
    ...userObjectSchema.required,
    'is_service_account',
    'disabled',
    'attributes',
    'scopes',
    'created_at',
    'updated_at',
  ],
  additionalProperties: { type: 'boolean' },
} as const;
