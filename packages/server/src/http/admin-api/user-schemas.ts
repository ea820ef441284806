import { adminUserJsonSchema } from '../../presenters/user.js';
import { nextCursorProperty, pageQueryProperties } from '../schemas/paging.js';
import { boundedText, passwordParameter, usernameParameter } from '../schemas/parameters.js';

/** The admin API's user routes' schemas: field names are the user object's (presenters/user.ts). */

const names = { type: 'array', maxItems: 100 } as const;
/** What both POST (create) and PATCH (update) may set; every value is checked again by UserService. */
const accountFields = {
  email: boundedText(254),
  first_name: boundedText(150),
  last_name: boundedText(150),
  is_admin: {
    type: 'boolean',
    description: "People only: a service account administers by holding the 'admin' permission",
  },
  groups: { ...names, items: boundedText(100), description: 'A list given replaces the groups' },
  permissions: {
    ...names,
    items: boundedText(100),
    description: 'A list given replaces the permissions; each is also a top-level true in the user object',
  },
} as const;

export const createUserBody = {
  type: 'object',
  properties: {
    username: usernameParameter,
    ...accountFields,
    password: {
      ...passwordParameter,
      description: 'People only; left out, one is generated and returned in this answer only',
    },
    is_service_account: {
      type: 'boolean',
      description: 'A robot: no password, tokens from POST /admin/api/users/{id}/service-tokens',
    },
  },
  required: ['username', 'email'],
  additionalProperties: false,
} as const;

export const updateUserBody = {
  type: 'object',
  properties: {
    ...accountFields,
    scopes: {
      ...names,
      items: boundedText(128),
      description: 'Service accounts only: the registered scopes their tokens carry (a list given replaces)',
    },
    attributes: {
      type: 'object',
      additionalProperties: true,
      description: 'Attributes to set (released as claims by the scopes that name them); null removes one',
    },
  },
  additionalProperties: false,
} as const;

export const passwordBody = {
  type: 'object',
  properties: { password: passwordParameter },
  required: ['password'],
  additionalProperties: false,
} as const;

export const listUsersQuery = {
  type: 'object',
  properties: {
    search: { ...boundedText(200), description: 'Part of the username, email or name, any case' },
    kind: {
      type: 'string',
      enum: ['user', 'service'],
      description: 'People or service accounts; both if left out',
    },
    ...pageQueryProperties,
  },
  additionalProperties: false,
} as const;

/** A user's id (a UUID); anything else names nobody (404). */
export const userParams = {
  type: 'object',
  properties: { id: boundedText(64) },
  required: ['id'],
} as const;

/** A new user: its object, with the generated password when none was given (shown this once). */
export const createdUserSchema = {
  ...adminUserJsonSchema,
  properties: { ...adminUserJsonSchema.properties, password: { type: 'string' } },
} as const;

export const userPageSchema = {
  type: 'object',
  properties: { users: { type: 'array', items: adminUserJsonSchema }, next_cursor: nextCursorProperty },
  required: ['users', 'next_cursor'],
} as const;
