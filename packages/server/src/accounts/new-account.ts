import { randomId } from '../platform/random.js';
import type { User } from './user.js';

type AccountFields = Pick<User, 'username' | 'kind'> &
  Partial<Omit<User, 'id' | 'username' | 'kind' | 'createdAt' | 'updatedAt'>>;

/** A new account, created now: enabled, with nothing granted but what `fields` name. */
export function newAccount(fields: AccountFields, now: Date): User {
  return {
    id: randomId(),
    email: null,
    firstName: '',
    lastName: '',
    isAdmin: false,
    disabled: false,
    passwordHash: null,
    attributes: {},
    groups: [],
    permissions: [],
    scopes: [],
    ...fields,
    createdAt: now,
    updatedAt: now,
  };
}
