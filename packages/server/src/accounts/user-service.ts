import type { AuditStore } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Actor } from '../clients/client-service.js';
import type { ScopeStore } from '../clients/stores.js';
import type { Clock } from '../platform/clock.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../platform/errors.js';
import type { InvalidationPublisher } from '../platform/invalidation/invalidation-bus.js';
import { hashPassword } from '../platform/password-hash.js';
import { randomId, randomToken } from '../platform/random.js';
import type { RunInTransaction } from '../platform/transaction.js';
import { assertAcceptablePassword } from './password-policy.js';
import type { IssuedTokens, SessionService } from './sessions.js';
import type { RefreshTokenStore, SessionStore, UserStore } from './stores.js';
import type { User } from './user.js';
import {
  mergeAttributes,
  splitName,
  validEmail,
  validGroups,
  validPermissions,
  validUsername,
} from './user-validation.js';

export interface CreateUserInput {
  readonly username: string;
  readonly email?: string;
  readonly name?: string;
  readonly isAdmin?: boolean;
  readonly groups?: readonly string[];
  readonly permissions?: readonly string[];
  /** Without one, a password is generated and returned once. */
  readonly password?: string;
}

export interface UpdateUserInput {
  readonly email?: string;
  readonly name?: string;
  readonly groups?: readonly string[];
  readonly permissions?: readonly string[];
  /** Attributes to set; a null value removes the attribute. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export interface CreateServiceAccountInput {
  readonly name: string;
  readonly scopes?: readonly string[];
  readonly permissions?: readonly string[];
}

const maxServiceTokenDays = 365;

type Stores = {
  users: UserStore;
  sessions: SessionStore;
  refreshTokens: RefreshTokenStore;
  audit: AuditStore;
};

interface UserServiceDeps {
  readonly users: UserStore;
  readonly scopes: ScopeStore;
  readonly transaction: RunInTransaction<Stores>;
  readonly sessions: SessionService;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Changes to existing accounts are published after their commit, for any cache of users. */
  readonly invalidations?: InvalidationPublisher;
}

/** People and service accounts: creation, changes, disabling (which ends their sessions at once). */
export class UserService {
  readonly #deps: UserServiceDeps;

  constructor(deps: UserServiceDeps) {
    this.#deps = deps;
  }

  async create(
    input: CreateUserInput,
    by: Actor,
  ): Promise<{ user: User; generatedPassword: string | undefined }> {
    const username = validUsername(input.username);
    await this.#assertFree(username);
    const generatedPassword = input.password === undefined ? randomToken(18) : undefined;
    const password = input.password ?? (generatedPassword as string);
    assertAcceptablePassword(password, username);
    const now = this.#deps.clock.now();
    const [firstName, lastName] = splitName(input.name);
    const user: User = {
      id: randomId(),
      username,
      email: validEmail(input.email),
      firstName,
      lastName,
      isAdmin: input.isAdmin ?? false,
      kind: 'user',
      disabled: false,
      passwordHash: await hashPassword(password),
      attributes: {},
      groups: validGroups(input.groups ?? []),
      permissions: validPermissions(input.permissions ?? []),
      scopes: [],
      createdAt: now,
      updatedAt: now,
    };
    await this.#deps.transaction(async (stores) => {
      await stores.users.insert(user);
      await this.#deps.audit.record(
        { type: 'user.created', ...by, subject: `user:${user.id}`, details: { username } },
        stores.audit,
      );
    });
    return { user, generatedPassword };
  }

  async update(username: string, input: UpdateUserInput, by: Actor): Promise<User> {
    const existing = await this.get(username);
    const [firstName, lastName] =
      input.name === undefined ? [existing.firstName, existing.lastName] : splitName(input.name);
    const user: User = {
      ...existing,
      email: input.email === undefined ? existing.email : validEmail(input.email),
      firstName,
      lastName,
      groups: input.groups === undefined ? existing.groups : validGroups(input.groups),
      permissions:
        input.permissions === undefined ? existing.permissions : validPermissions(input.permissions),
      attributes:
        input.attributes === undefined
          ? existing.attributes
          : mergeAttributes(existing.attributes, input.attributes),
      updatedAt: this.#deps.clock.now(),
    };
    await this.#deps.transaction(async (stores) => {
      await stores.users.update(user);
      await this.#deps.audit.record(
        { type: 'user.updated', ...by, subject: `user:${user.id}` },
        stores.audit,
      );
    });
    await this.#deps.invalidations?.publish('user', user.id);
    return user;
  }

  /** Disabling ends every session of the account: its tokens are refused at once. */
  async setDisabled(username: string, disabled: boolean, by: Actor): Promise<User> {
    const existing = await this.get(username);
    const user: User = { ...existing, disabled, updatedAt: this.#deps.clock.now() };
    await this.#deps.transaction(async (stores) => {
      await stores.users.update(user);
      if (disabled) await this.#deps.sessions.endAllOfUser(user.id, 'account_disabled', stores);
      const type = disabled ? 'user.disabled' : 'user.enabled';
      await this.#deps.audit.record({ type, ...by, subject: subjectOf(user) }, stores.audit);
    });
    await this.#deps.invalidations?.publish('user', user.id);
    return user;
  }

  /**
   * Sets a person's password (also the way back in for an admin whose password was lost). Their
   * sessions end: whoever knew the old password is signed out.
   */
  async setPassword(username: string, password: string, by: Actor): Promise<User> {
    const existing = await this.get(username);
    if (existing.kind !== 'user') throw new InvalidInputError(`'${username}' is a service account`);
    assertAcceptablePassword(password, existing.username);
    const user: User = {
      ...existing,
      passwordHash: await hashPassword(password),
      updatedAt: this.#deps.clock.now(),
    };
    await this.#deps.transaction(async (stores) => {
      await stores.users.update(user);
      await this.#deps.sessions.endAllOfUser(user.id, 'password_changed', stores);
      await this.#deps.audit.record(
        { type: 'user.password_set', ...by, subject: subjectOf(user) },
        stores.audit,
      );
    });
    await this.#deps.invalidations?.publish('user', user.id);
    return user;
  }

  async delete(username: string, by: Actor): Promise<User> {
    const user = await this.get(username);
    await this.#deps.transaction(async (stores) => {
      await stores.users.delete(user.id);
      await this.#deps.audit.record(
        { type: 'user.deleted', ...by, subject: subjectOf(user), details: { username: user.username } },
        stores.audit,
      );
    });
    await this.#deps.invalidations?.publish('user', user.id);
    return user;
  }

  async get(username: string): Promise<User> {
    const user = await this.#deps.users.findByUsername(username);
    if (user === undefined) throw new NotFoundError(`no user named '${username}'`);
    return user;
  }

  list(kind: User['kind'] = 'user'): Promise<User[]> {
    return this.#deps.users.list(kind);
  }

  async createServiceAccount(input: CreateServiceAccountInput, by: Actor): Promise<User> {
    const username = validUsername(input.name);
    await this.#assertFree(username);
    const scopes = [...new Set(input.scopes ?? [])];
    for (const scope of scopes) {
      if ((await this.#deps.scopes.findByName(scope)) === undefined) {
        throw new InvalidInputError(
          `unknown scope '${scope}'; create it first with \`npm run tessera -- scope create ${scope}\``,
        );
      }
    }
    const now = this.#deps.clock.now();
    const account: User = {
      id: randomId(),
      username,
      email: null,
      firstName: '',
      lastName: '',
      isAdmin: false,
      kind: 'service',
      disabled: false,
      passwordHash: null,
      attributes: {},
      groups: [],
      permissions: validPermissions(input.permissions ?? []),
      scopes,
      createdAt: now,
      updatedAt: now,
    };
    await this.#deps.transaction(async (stores) => {
      await stores.users.insert(account);
      await this.#deps.audit.record(
        { type: 'service_account.created', ...by, subject: subjectOf(account), details: { name: username } },
        stores.audit,
      );
    });
    return account;
  }

  /** A long-lived access token for a service account, in a session of its own. */
  async issueServiceToken(name: string, days: number, by: Actor): Promise<IssuedTokens> {
    if (!Number.isInteger(days) || days < 1 || days > maxServiceTokenDays) {
      throw new InvalidInputError(`--days must be a whole number from 1 to ${maxServiceTokenDays}`);
    }
    const account = await this.get(name);
    if (account.kind !== 'service') throw new InvalidInputError(`'${name}' is not a service account`);
    if (account.disabled) throw new InvalidInputError(`service account '${name}' is disabled`);
    const lifetime = days * 86_400;
    const issued = await this.#deps.sessions.open({
      user: account,
      kind: 'service',
      clientId: null,
      scope: account.scopes,
      policy: { accessTtl: lifetime, refreshTtl: null, maxAge: lifetime },
      amr: [],
      ip: by.ip ?? null,
      userAgent: by.userAgent ?? null,
    });
    await this.#deps.audit.record({
      type: 'service_account.token_issued',
      ...by,
      subject: subjectOf(account),
      details: { session_id: issued.session.id, days },
    });
    return issued;
  }

  async #assertFree(username: string): Promise<void> {
    if ((await this.#deps.users.findByUsername(username)) !== undefined) {
      throw new ConflictError(`the name '${username}' is taken`);
    }
  }
}

/** Audit subject: service accounts are named as such in every event. */
export function subjectOf(user: User): string {
  return `${user.kind === 'service' ? 'service' : 'user'}:${user.id}`;
}
