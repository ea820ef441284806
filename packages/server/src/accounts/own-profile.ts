import type { Actor } from '../audit/actor.js';
import { InvalidInputError } from '../platform/errors.js';
import type { User } from './user.js';
import type { UserService } from './user-service.js';

/** What a person may change of their own profile: their names and email. */
export interface OwnProfileChanges {
  readonly firstName?: string;
  readonly lastName?: string;
  /** null removes it. */
  readonly email?: string | null;
}

/**
 * A person changes their own profile (the self-service API). Names and email only: the username,
 * groups, permissions and admin flag are an administrator's. Tessera sends no verification mail,
 * so a changed email is no longer `email_verified` (the attribute is removed): an app that trusts
 * verified emails must not take a typed-in address for one.
 */
export async function updateOwnProfile(
  users: UserService,
  user: User,
  changes: OwnProfileChanges,
  by: Actor,
): Promise<User> {
  if (user.kind !== 'user') throw new InvalidInputError('a service account has no profile to change');
  const email = changes.email === undefined ? undefined : (changes.email ?? '');
  const emailChanged = email !== undefined && (email === '' ? null : email) !== user.email;
  return users.update(
    { id: user.id },
    {
      firstName: changes.firstName,
      lastName: changes.lastName,
      email,
      ...(emailChanged && user.attributes.email_verified !== undefined
        ? { attributes: { email_verified: null } }
        : {}),
    },
    by,
  );
}
