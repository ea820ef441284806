import type { Actor } from '../audit/actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../platform/errors.js';
import type { InvalidationPublisher } from '../platform/invalidation/invalidation-bus.js';
import { builtInScopes, isValidScopeName, type Scope } from './scope.js';
import type { ScopeHolders, ScopeStore } from './stores.js';

const claimName = /^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/;

export interface ScopeChanges {
  readonly description?: string;
  readonly claims?: readonly string[];
  /** Only an administrator may put it on a client (users cannot take it on an API key). */
  readonly restricted?: boolean;
}

/** The registry of scopes clients may be granted. */
export class ScopeService {
  readonly #store: ScopeStore;
  readonly #audit: AuditLog;
  readonly #clock: Clock;
  readonly #invalidations: InvalidationPublisher | undefined;

  /** `invalidations`: changes are published after they are stored, for any cache of scopes. */
  constructor(store: ScopeStore, audit: AuditLog, clock: Clock, invalidations?: InvalidationPublisher) {
    this.#store = store;
    this.#audit = audit;
    this.#clock = clock;
    this.#invalidations = invalidations;
  }

  /** Creates the OpenID Connect scopes that every installation has; idempotent. */
  async ensureBuiltIns(): Promise<void> {
    for (const builtIn of builtInScopes) {
      if ((await this.#store.findByName(builtIn.name)) !== undefined) continue;
      const now = this.#clock.now();
      try {
        await this.#store.insert({
          ...builtIn,
          claims: [],
          builtIn: true,
          restricted: false,
          createdAt: now,
          updatedAt: now,
        });
      } catch (error) {
        if ((await this.#store.findByName(builtIn.name)) === undefined) throw error;
      }
    }
  }

  async create(name: string, changes: ScopeChanges, by: Actor): Promise<Scope> {
    if (!isValidScopeName(name)) {
      throw new InvalidInputError(
        `'${name}' is not a valid scope name (printable ASCII, no spaces, quotes or backslashes)`,
      );
    }
    if ((await this.#store.findByName(name)) !== undefined)
      throw new ConflictError(`scope '${name}' already exists`);
    const now = this.#clock.now();
    const scope: Scope = {
      name,
      description: description(changes.description ?? ''),
      claims: claims(changes.claims ?? []),
      builtIn: false,
      restricted: changes.restricted ?? false,
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.insert(scope);
    await this.#audit.record({ type: 'scope.created', ...by, subject: `scope:${name}` });
    return scope;
  }

  async update(name: string, changes: ScopeChanges, by: Actor): Promise<Scope> {
    const existing = await this.#store.findByName(name);
    if (existing === undefined) throw new NotFoundError(`no scope named '${name}'`);
    const scope: Scope = {
      ...existing,
      description:
        changes.description === undefined ? existing.description : description(changes.description),
      claims: changes.claims === undefined ? existing.claims : claims(changes.claims),
      restricted: changes.restricted ?? existing.restricted,
      updatedAt: this.#clock.now(),
    };
    await this.#store.update(scope);
    await this.#audit.record({ type: 'scope.updated', ...by, subject: `scope:${name}` });
    await this.#invalidations?.publish('scope', name);
    return scope;
  }

  list(): Promise<Scope[]> {
    return this.#store.list();
  }

  find(name: string): Promise<Scope | undefined> {
    return this.#store.findByName(name);
  }

  /**
   * Deletes a scope nobody holds. Built-in scopes stay. A scope that a client or a service account
   * still names is refused (409), not quietly taken off them: removing it would change what those
   * clients may ask for behind their owners' backs, so the admin takes it off each first. Tokens
   * already issued with it keep it until they expire.
   */
  async delete(name: string, by: Actor): Promise<Scope> {
    const scope = await this.#store.findByName(name);
    if (scope === undefined) throw new NotFoundError(`no scope named '${name}'`);
    if (scope.builtIn) throw new ConflictError(`scope '${name}' is built in and cannot be deleted`);
    const holders = await this.#store.holders(name);
    if (holders.clients.length + holders.serviceAccounts.length > 0) {
      throw new ConflictError(
        `scope '${name}' is still held by ${holderWords(holders)}; remove it from them first`,
      );
    }
    await this.#store.delete(name);
    await this.#audit.record({ type: 'scope.deleted', ...by, subject: `scope:${name}` });
    await this.#invalidations?.publish('scope', name);
    return scope;
  }
}

/** "client a1b2…, client c3d4… and 3 more": enough to find them, bounded in length. */
function holderWords(holders: ScopeHolders): string {
  const named = [
    ...holders.clients.map((id) => `client ${id}`),
    ...holders.serviceAccounts.map((username) => `service account ${username}`),
  ];
  const shown = named.slice(0, 5).join(', ');
  return named.length > 5 ? `${shown} and ${named.length - 5} more` : shown;
}

function description(value: string): string {
  if (value.length > 500) throw new InvalidInputError('a scope description must be at most 500 characters');
  return value;
}

function claims(values: readonly string[]): string[] {
  for (const claim of values) {
    if (!claimName.test(claim)) throw new InvalidInputError(`claim '${claim}' is not a valid attribute name`);
  }
  return [...new Set(values)];
}
