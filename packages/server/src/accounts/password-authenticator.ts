import type { Clock } from '../platform/clock.js';
import { hashPassword, passwordNeedsRehash, verifyPassword } from '../platform/password-hash.js';
import { AccountDisabled, type Authenticator, InvalidCredentials } from './authenticator.js';
import { maxPasswordBytes } from './password-policy.js';
import type { UserStore } from './stores.js';
import type { User } from './user.js';

export interface PasswordCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Checks a username and password. An unknown user costs the same argon2 verification as a
 * known one (against a dummy hash), so response time does not tell them apart. A hash made
 * with older parameters is replaced on success.
 */
export class PasswordAuthenticator implements Authenticator<PasswordCredentials> {
  readonly amr = ['pwd'] as const;
  readonly #users: UserStore;
  readonly #clock: Clock;
  #dummyHash: Promise<string> | undefined;

  constructor(users: UserStore, clock: Clock) {
    this.#users = users;
    this.#clock = clock;
  }

  claimedIdentity(credentials: PasswordCredentials): string {
    return credentials.username;
  }

  async authenticate({ username, password }: PasswordCredentials): Promise<User> {
    const tooLong = Buffer.byteLength(password, 'utf8') > maxPasswordBytes;
    const user = username === '' ? undefined : await this.#users.findByUsername(username);
    const usable = user !== undefined && user.kind === 'user' && user.passwordHash !== null;
    const hash = usable ? (user.passwordHash as string) : await this.#dummy();
    const matches = (await verifyPassword(hash, tooLong ? '' : password)) && usable && !tooLong;
    if (!matches || user === undefined) throw new InvalidCredentials('invalid username or password');
    if (user.disabled) throw new AccountDisabled(user);
    if (passwordNeedsRehash(hash)) {
      await this.#users.update({
        ...user,
        passwordHash: await hashPassword(password),
        updatedAt: this.#clock.now(),
      });
    }
    return user;
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= hashPassword('tessera-dummy-password-for-unknown-users');
    return this.#dummyHash;
  }
}
