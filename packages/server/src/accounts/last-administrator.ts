import { ConflictError } from '../platform/errors.js';
import type { UserStore } from './stores.js';
import type { User } from './user.js';

/** An enabled person with is_admin: who can use the admin console and the admin API. */
const administers = (user: User | undefined) =>
  user !== undefined && user.kind === 'user' && user.isAdmin && !user.disabled;

/**
 * Refuses a change (`before` → `after`; undefined: deleted) that would leave no enabled
 * administrator: nobody could then use the console or the admin API, and only the CLI on the
 * server's host could repair it. Runs inside the change's transaction with the administrators'
 * rows locked (PostgreSQL), so two administrators removing each other at once cannot both succeed.
 */
export async function keepAnAdministrator(
  users: UserStore,
  before: User,
  after: User | undefined,
): Promise<void> {
  if (!administers(before) || administers(after)) return;
  const others = (await users.lockAdministrators()).filter((id) => id !== before.id);
  if (others.length === 0)
    throw new ConflictError(
      `'${before.username}' is the last enabled administrator: make another person an administrator first`,
    );
}
