import type { Actor } from '../audit/actor.js';
import type { AuditInput, AuditStore } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ScopeStore } from '../clients/stores.js';
import type { Clock } from '../platform/clock.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../platform/errors.js';
import type { InvalidationPublisher } from '../platform/invalidation/invalidation-bus.js';
import { hashPassword } from '../platform/password-hash.js';
import { randomToken } from '../platform/random.js';
import type { RunInTransaction } from '../platform/transaction.js';
import { keepAnAdministrator } from './last-administrator.js';
import { newAccount } from './new-account.js';
import { assertAcceptablePassword } from './password-policy.js';
import {
  type CreateServiceAccountInput,
  newServiceAccount,
  registeredScopes,
  serviceTokenPolicy,
} from './service-accounts.js';
import type { IssuedTokens, SessionService } from './sessions.js';
import type { RefreshTokenStore, SessionStore, UserPageQuery, UserStore } from './stores.js';
import type { User } from './user.js';
import { userCursor, usernameKeyOfCursor } from './user-cursor.js';
import {
  mergeAttributes,
  resolveNames,
  validEmail,
  validGroups,
  validPermissions,
  validUsername,
} from './user-validation.js';

export type { CreateServiceAccountInput } from './service-accounts.js';

/** A user named by username (the CLI) or by id (the admin API). */
export type UserRef = string | { readonly id: string };

/** A full name split at its first space (the CLI), or first and last name apart (the HTTP API). */
export interface NameInput {
  readonly name?: string;
  readonly firstName?: string;
  readonly lastName?: string;
}

export interface CreateUserInput extends NameInput {
  readonly username: string;
  readonly email?: string;
  readonly isAdmin?: boolean;
  readonly groups?: readonly string[];
  readonly permissions?: readonly string[];
  /** Without one, a password is generated and returned once. */
  readonly password?: string;
}

export interface UpdateUserInput extends NameInput {
  readonly email?: string;
  readonly groups?: readonly string[];
  readonly permissions?: readonly string[];
  /** People only; a service account is an administrator by holding the `admin` permission. */
  readonly isAdmin?: boolean;
  /** Service accounts only: the scopes their tokens carry. */
  readonly scopes?: readonly string[];
  /** Attributes to set; a null value removes the attribute. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export interface UserPageRequest extends Omit<UserPageQuery, 'after' | 'limit'> {
  /** The previous page's `nextCursor`. */
  readonly cursor?: string;
  /** 1 to 200; 50 if left out. */
  readonly limit?: number;
}

const defaultPageSize = 50;
const maxPageSize = 200;

/** A page of users and the cursor of the next one (undefined on the last page). */
export interface UserPage {
  readonly users: User[];
  readonly nextCursor: string | undefined;
}

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
  /**
   * Changes to existing accounts are published ('user') after their commit: the client directory
   * keeps whether each client's owner is disabled, and drops that owner's clients when told.
   */
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
    const [firstName, lastName] = resolveNames(input);
    const user = newAccount(
      {
        username,
        kind: 'user',
        email: validEmail(input.email),
        firstName,
        lastName,
        isAdmin: input.isAdmin ?? false,
        passwordHash: await hashPassword(password),
        groups: validGroups(input.groups ?? []),
        permissions: validPermissions(input.permissions ?? []),
      },
      this.#deps.clock.now(),
    );
    await this.#insert(user, {
      type: 'user.created',
      ...by,
      subject: subjectOf(user),
      details: { username },
    });
    return { user, generatedPassword };
  }

  async update(who: UserRef, input: UpdateUserInput, by: Actor): Promise<User> {
    const existing = await this.get(who);
    if (input.isAdmin !== undefined && existing.kind === 'service') {
      throw new InvalidInputError(
        `'${existing.username}' is a service account: it administers by holding the 'admin' permission`,
      );
    }
    if (input.scopes !== undefined && existing.kind !== 'service') {
      throw new InvalidInputError(`'${existing.username}' is a person: only service accounts hold scopes`);
    }
    const [firstName, lastName] = resolveNames(input, [existing.firstName, existing.lastName]);
    const user: User = {
      ...existing,
      email: input.email === undefined ? existing.email : validEmail(input.email),
      firstName,
      lastName,
      isAdmin: input.isAdmin ?? existing.isAdmin,
      groups: input.groups === undefined ? existing.groups : validGroups(input.groups),
      permissions:
        input.permissions === undefined ? existing.permissions : validPermissions(input.permissions),
      scopes:
        input.scopes === undefined
          ? existing.scopes
          : await registeredScopes(input.scopes, this.#deps.scopes),
      attributes:
        input.attributes === undefined
          ? existing.attributes
          : mergeAttributes(existing.attributes, input.attributes),
      updatedAt: this.#deps.clock.now(),
    };
    await this.#deps.transaction(async (stores) => {
      await keepAnAdministrator(stores.users, existing, user);
      await stores.users.update(user);
      await this.#deps.audit.record({ type: 'user.updated', ...by, subject: subjectOf(user) }, stores.audit);
    });
    await this.#deps.invalidations?.publish('user', user.id);
    return user;
  }

  /**
   * Disabling ends every session of the account: its tokens are refused at once. The clients it
   * owns are suspended until it is enabled again (client-directory.ts, clientIsActive).
   */
  async setDisabled(who: UserRef, disabled: boolean, by: Actor): Promise<User> {
    const existing = await this.get(who);
    const user: User = { ...existing, disabled, updatedAt: this.#deps.clock.now() };
    await this.#deps.transaction(async (stores) => {
      await keepAnAdministrator(stores.users, existing, user);
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
  async setPassword(who: UserRef, password: string, by: Actor): Promise<User> {
    const existing = await this.get(who);
    if (existing.kind !== 'user') {
      throw new InvalidInputError(`'${existing.username}' is a service account: it has no password`);
    }
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

  async delete(who: UserRef, by: Actor): Promise<User> {
    const user = await this.get(who);
    await this.#deps.transaction(async (stores) => {
      await keepAnAdministrator(stores.users, user, undefined);
      await stores.users.delete(user.id);
      await this.#deps.audit.record(
        { type: 'user.deleted', ...by, subject: subjectOf(user), details: { username: user.username } },
        stores.audit,
      );
    });
    // The clients the user owned (personal clients, API keys) went with them (on delete cascade):
    // hearing 'user', every process's client directory forgets them (invalidateOwnedBy).
    await this.#deps.invalidations?.publish('user', user.id);
    return user;
  }

  async get(who: UserRef): Promise<User> {
    if (typeof who !== 'string') {
      const user = await this.#deps.users.findById(who.id);
      if (user === undefined) throw new NotFoundError(`no user has the id '${who.id}'`);
      return user;
    }
    const user = await this.#deps.users.findByUsername(who);
    if (user === undefined) throw new NotFoundError(`no user named '${who}'`);
    return user;
  }

  list(kind: User['kind'] = 'user'): Promise<User[]> {
    return this.#deps.users.list(kind);
  }

  /** One page of users in username order; `cursor` is the previous page's `nextCursor` (user-cursor.ts). */
  async page(query: UserPageRequest): Promise<UserPage> {
    const { cursor, limit = defaultPageSize, ...rest } = query;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
      throw new InvalidInputError(`a page holds 1 to ${maxPageSize} users`);
    }
    const after = cursor === undefined ? undefined : usernameKeyOfCursor(cursor);
    const users = await this.#deps.users.page({ ...rest, after, limit: limit + 1 });
    const page = users.slice(0, limit);
    const last = page.at(-1);
    return { users: page, nextCursor: users.length > limit && last ? userCursor(last) : undefined };
  }

  /** Group or permission names in use, with how many accounts hold each. */
  memberCounts(of: 'groups' | 'permissions'): Promise<Array<{ name: string; members: number }>> {
    return this.#deps.users.memberCounts(of);
  }

  async createServiceAccount(input: CreateServiceAccountInput, by: Actor): Promise<User> {
    const account = await newServiceAccount(input, this.#deps.scopes, this.#deps.clock.now());
    await this.#assertFree(account.username);
    await this.#insert(account, {
      type: 'service_account.created',
      ...by,
      subject: subjectOf(account),
      details: { name: account.username },
    });
    return account;
  }

  /** A long-lived access token for a service account, in a session of its own. */
  async issueServiceToken(who: UserRef, days: number, by: Actor): Promise<IssuedTokens> {
    const policy = serviceTokenPolicy(days);
    const account = await this.get(who);
    const name = account.username;
    if (account.kind !== 'service') throw new InvalidInputError(`'${name}' is not a service account`);
    if (account.disabled) throw new InvalidInputError(`service account '${name}' is disabled`);
    const issued = await this.#deps.sessions.open({
      user: account,
      kind: 'service',
      clientId: null,
      scope: account.scopes,
      policy,
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

  /** Inserts a new account and its audit event; a name taken meanwhile (concurrent creates) is a conflict. */
  async #insert(account: User, event: AuditInput): Promise<void> {
    try {
      await this.#deps.transaction(async (stores) => {
        await stores.users.insert(account);
        await this.#deps.audit.record(event, stores.audit);
      });
    } catch (error) {
      await this.#assertFree(account.username);
      throw error;
    }
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
