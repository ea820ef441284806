import type { Clock } from '../platform/clock.js';
import type { Client, ClientSecret } from './client.js';
import { isWellFormedClientId } from './credential-form.js';
import type { ClientStore } from './stores.js';

export interface ClientEntry {
  readonly client: Client;
  readonly secrets: readonly ClientSecret[];
  /** The client's owner (a personal client's, an API key's) is disabled: it answers for them. */
  readonly ownerDisabled: boolean;
}

/**
 * Whether the client may authenticate and its tokens count: it exists, is not revoked, and its
 * owner (if any) is not disabled. A disabled owner suspends the client; enabled again, it works.
 */
export function clientIsActive(entry: ClientEntry | undefined): entry is ClientEntry {
  return entry !== undefined && entry.client.revokedAt === null && !entry.ownerDisabled;
}

const maxEntries = 10_000;

/**
 * Read-through cache of clients and their secret hashes, so the token endpoint's hot path does
 * not wait on the database. A change made anywhere (this process, another instance, the CLI)
 * reaches it as an invalidation message ('client' on the invalidation bus); `ttlSeconds` bounds
 * how stale an entry can be when such a message cannot arrive (the bus is down).
 *
 * The owner's disabled state is loaded with the client (a join), and a change to a user reaches
 * the cache as 'user' on the bus (invalidateOwnedBy), so the token endpoint asks no more of the
 * database per request for it.
 *
 * Only clients that exist are kept (issue 15): an unknown id is forgotten as soon as its lookup
 * answers, and an id that cannot be a client's (credential-form.ts) is never looked up, so requests
 * naming made-up ids cost at most one primary-key query each and leave nothing behind. Concurrent
 * lookups of one id share a query.
 */
export class ClientDirectory {
  readonly #store: ClientStore;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  /** Known clients, each a settled lookup; oldest first, so the first key is the one to evict. */
  readonly #entries = new Map<
    string,
    { loadedAt: number; value: ClientEntry; entry: Promise<ClientEntry> }
  >();
  /** Lookups in flight: as many as requests waiting on them, and gone once answered. */
  readonly #loading = new Map<string, Promise<ClientEntry | undefined>>();
  /** Lookups answered from the cache, and the others (metrics). */
  #hits = 0;
  #misses = 0;

  constructor(store: ClientStore, clock: Clock, ttlSeconds: number) {
    this.#store = store;
    this.#clock = clock;
    this.#ttlMs = ttlSeconds * 1000;
  }

  find(clientId: string): Promise<ClientEntry | undefined> {
    if (!isWellFormedClientId(clientId)) return Promise.resolve(undefined);
    const cached = this.#entries.get(clientId);
    if (cached !== undefined && this.#clock.now().getTime() - cached.loadedAt < this.#ttlMs) {
      this.#hits += 1;
      return cached.entry;
    }
    this.#misses += 1;
    return this.#loading.get(clientId) ?? this.#startLoading(clientId);
  }

  /**
   * The client as cached, without a lookup: for counting a request that named it after the request
   * looked it up (client authentication, the rate limiter). Undefined when not cached.
   */
  cached(clientId: string): Client | undefined {
    const cached = this.#entries.get(clientId);
    if (cached === undefined || this.#clock.now().getTime() - cached.loadedAt >= this.#ttlMs)
      return undefined;
    return cached.value.client;
  }

  invalidate(clientId: string): void {
    this.#entries.delete(clientId);
    // A lookup already under way may have read the old row: it answers its callers, but is not kept.
    this.#loading.delete(clientId);
  }

  /**
   * Forgets the clients the user owns (their owner was disabled, enabled or deleted: 'user' on the
   * invalidation bus); undefined: any user may have changed, so every client goes.
   */
  invalidateOwnedBy(userId: string | undefined): void {
    if (userId === undefined) {
      this.invalidateAll();
      return;
    }
    for (const [clientId, cached] of this.#entries) {
      if (cached.value.client.ownerUserId === userId) this.#entries.delete(clientId);
    }
    // Whose clients the lookups under way are is not known yet; any may have read the old owner.
    this.#loading.clear();
  }

  /** Forgets every client: changes may have been missed (the bus reconnected). */
  invalidateAll(): void {
    this.#entries.clear();
    this.#loading.clear();
  }

  /** How many clients are cached (not counting lookups in flight). */
  get size(): number {
    return this.#entries.size;
  }

  /** Lookups of well-formed ids since start, for metrics; a miss that joined a lookup in flight counts as one. */
  stats(): { hits: number; misses: number; size: number } {
    return { hits: this.#hits, misses: this.#misses, size: this.#entries.size };
  }

  #startLoading(clientId: string): Promise<ClientEntry | undefined> {
    const loadedAt = this.#clock.now().getTime();
    const loading: Promise<ClientEntry | undefined> = this.#load(clientId).then(
      (entry) => {
        if (this.#loading.get(clientId) === loading) {
          this.#loading.delete(clientId);
          if (entry !== undefined) this.#remember(clientId, loadedAt, entry);
        }
        return entry;
      },
      (error: unknown) => {
        if (this.#loading.get(clientId) === loading) this.#loading.delete(clientId);
        throw error;
      },
    );
    this.#loading.set(clientId, loading);
    return loading;
  }

  #remember(clientId: string, loadedAt: number, entry: ClientEntry): void {
    if (this.#ttlMs <= 0) return;
    this.#entries.delete(clientId);
    if (this.#entries.size >= maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(clientId, { loadedAt, value: entry, entry: Promise.resolve(entry) });
  }

  async #load(clientId: string): Promise<ClientEntry | undefined> {
    const found = await this.#store.findWithOwnerState(clientId);
    if (found === undefined) return undefined;
    return { ...found, secrets: await this.#store.secretsOf(clientId) };
  }
}
