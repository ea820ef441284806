import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../platform/errors.js';
import type { InvalidationPublisher } from '../platform/invalidation/invalidation-bus.js';
import type { Actor } from './client-service.js';
import { builtInScopes, isValidScopeName, type Scope } from './scope.js';
import type { ScopeStore } from './stores.js';

const claimName = /^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/;

export interface ScopeChanges {
  readonly description?: string;
  readonly claims?: readonly string[];
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
        await this.#store.insert({ ...builtIn, claims: [], builtIn: true, createdAt: now, updatedAt: now });
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
}

function description(value: string): string {
  if (value.length > 500) throw new InvalidInputError('--description must be at most 500 characters');
  return value;
}

function claims(values: readonly string[]): string[] {
  for (const claim of values) {
    if (!claimName.test(claim))
      throw new InvalidInputError(`--claim '${claim}' is not a valid attribute name`);
  }
  return [...new Set(values)];
}
