import { ipBucket } from '../limits/ip-bucket.js';
import { Overloaded } from '../limits/refusals.js';
import type { Clock } from '../platform/clock.js';
import {
  hashPassword,
  PasswordQueueFull,
  passwordNeedsRehash,
  verifyPassword,
} from '../platform/password-hash.js';
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
  readonly #maxWaiting: number | undefined;
  #dummyHash: Promise<string> | undefined;

  /** `maxWaiting`: checks that may queue for a core before a sign-in is shed (TESSERA_PASSWORD_HASH_QUEUE). */
  constructor(users: UserStore, clock: Clock, maxWaiting?: number) {
    this.#users = users;
    this.#clock = clock;
    this.#maxWaiting = maxWaiting;
  }

  claimedIdentity(credentials: PasswordCredentials): string {
    return credentials.username;
  }

  async authenticate(
    { username, password }: PasswordCredentials,
    from: { readonly ip: string | null },
  ): Promise<User> {
    const tooLong = Buffer.byteLength(password, 'utf8') > maxPasswordBytes;
    const user = username === '' ? undefined : await this.#users.findByUsername(username);
    const usable = user !== undefined && user.kind === 'user' && user.passwordHash !== null;
    const hash = usable ? (user.passwordHash as string) : await this.#dummy();
    const matches = (await this.#verify(hash, tooLong ? '' : password, from.ip)) && usable && !tooLong;
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

  async #verify(hash: string, password: string, ip: string | null): Promise<boolean> {
    try {
      // Per address (an IPv6 /64), so that a flood from one cannot take every waiting place.
      const key = ip === null ? undefined : ipBucket(ip);
      const bound = this.#maxWaiting === undefined ? undefined : { maxWaiting: this.#maxWaiting, key };
      return await verifyPassword(hash, password, bound);
    } catch (error) {
      if (error instanceof PasswordQueueFull)
        throw new Overloaded('too many sign-ins at once; try again in a moment');
      throw error;
    }
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= hashPassword('tessera-dummy-password-for-unknown-users');
    return this.#dummyHash;
  }
}
