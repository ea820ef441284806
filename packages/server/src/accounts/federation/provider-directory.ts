import type { Clock } from '../../platform/clock.js';
import type { IdentityProvider, IdentityProviderStore } from './identity-provider.js';

/**
 * The configured providers, cached per process (every sign-in and the sign-in page read them).
 * Told of changes over the invalidation bus ('identity-provider'); the TTL bounds how stale a
 * process can be while the bus is down (STYLE C19). Small: all providers are kept, not a page.
 */
export class ProviderDirectory {
  readonly #store: IdentityProviderStore;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  #cached: { readonly providers: readonly IdentityProvider[]; readonly at: number } | undefined;
  #loading: Promise<readonly IdentityProvider[]> | undefined;
  #generation = 0;

  constructor(store: IdentityProviderStore, clock: Clock, ttlSeconds = 60) {
    this.#store = store;
    this.#clock = clock;
    this.#ttlMs = ttlSeconds * 1000;
  }

  async list(): Promise<readonly IdentityProvider[]> {
    const now = this.#clock.now().getTime();
    if (this.#cached !== undefined && now - this.#cached.at < this.#ttlMs) return this.#cached.providers;
    this.#loading ??= this.#load(now);
    return this.#loading;
  }

  async find(id: string): Promise<IdentityProvider | undefined> {
    return (await this.list()).find((p) => p.id === id);
  }

  invalidate(): void {
    this.#generation += 1;
    this.#cached = undefined;
    this.#loading = undefined;
  }

  async #load(now: number): Promise<readonly IdentityProvider[]> {
    const generation = this.#generation;
    try {
      const providers = Object.freeze(await this.#store.list());
      // A load that an invalidation overtook is answered, but not kept.
      if (generation === this.#generation) this.#cached = { providers, at: now };
      return providers;
    } finally {
      if (generation === this.#generation) this.#loading = undefined;
    }
  }
}
