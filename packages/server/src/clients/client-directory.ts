import type { Clock } from '../platform/clock.js';
import type { Client, ClientSecret } from './client.js';
import type { ClientStore } from './stores.js';

export interface ClientEntry {
  readonly client: Client;
  readonly secrets: readonly ClientSecret[];
}

const maxEntries = 10_000;

/**
 * Read-through cache of clients and their secret hashes, so the token endpoint's hot path does
 * not wait on the database. Changes made in this process invalidate at once; changes made by
 * another process (the CLI, a second instance) are seen within `ttlSeconds`. Unknown ids are
 * cached too, so guessing client ids cannot hammer the database.
 */
export class ClientDirectory {
  readonly #store: ClientStore;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { loadedAt: number; entry: Promise<ClientEntry | undefined> }>();

  constructor(store: ClientStore, clock: Clock, ttlSeconds: number) {
    this.#store = store;
    this.#clock = clock;
    this.#ttlMs = ttlSeconds * 1000;
  }

  find(clientId: string): Promise<ClientEntry | undefined> {
    const now = this.#clock.now().getTime();
    const cached = this.#entries.get(clientId);
    if (cached !== undefined && now - cached.loadedAt < this.#ttlMs) return cached.entry;

    const entry = this.#load(clientId);
    if (this.#ttlMs > 0) {
      if (this.#entries.size >= maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
      this.#entries.set(clientId, { loadedAt: now, entry });
      entry.catch(() => this.#entries.delete(clientId));
    }
    return entry;
  }

  invalidate(clientId: string): void {
    this.#entries.delete(clientId);
  }

  async #load(clientId: string): Promise<ClientEntry | undefined> {
    const client = await this.#store.findById(clientId);
    if (client === undefined) return undefined;
    return { client, secrets: await this.#store.secretsOf(clientId) };
  }
}
