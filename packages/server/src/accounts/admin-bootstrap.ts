import type { Clock } from '../platform/clock.js';
import { hashPassword } from '../platform/password-hash.js';
import { randomId, randomToken } from '../platform/random.js';
import type { UserStore } from './stores.js';

export interface AdminBootstrapResult {
  readonly created: boolean;
  /** The generated password, present only when the admin was created just now without one given. */
  readonly generatedPassword: string | undefined;
}

/** First start: create the `admin` user once. Later starts find it and change nothing. */
export async function ensureAdminUser(
  users: UserStore,
  clock: Clock,
  configuredPassword: string | undefined,
): Promise<AdminBootstrapResult> {
  if ((await users.findByUsername('admin')) !== undefined)
    return { created: false, generatedPassword: undefined };
  const generatedPassword = configuredPassword === undefined ? randomToken(18) : undefined;
  const password = configuredPassword ?? (generatedPassword as string);
  const now = clock.now();
  const admin = {
    id: randomId(),
    username: 'admin',
    email: null,
    firstName: '',
    lastName: '',
    isAdmin: true,
    kind: 'user',
    disabled: false,
    passwordHash: await hashPassword(password),
    attributes: {},
    groups: [],
    permissions: [],
    scopes: [],
    createdAt: now,
    updatedAt: now,
  } as const;
  try {
    await users.insert(admin);
  } catch (error) {
    // Another process starting at the same moment created it first.
    if ((await users.findByUsername('admin')) !== undefined)
      return { created: false, generatedPassword: undefined };
    throw error;
  }
  return { created: true, generatedPassword };
}
