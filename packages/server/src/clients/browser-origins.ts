import type { Clock } from '../platform/clock.js';
import type { ClientStore } from './stores.js';

/**
 * Web origins allowed to call the OAuth endpoints from a browser (CORS): those of public clients'
 * registered redirect URIs, where a browser app lives, plus the configured ones. Recomputed after
 * any client changes (the invalidation bus), and at least every `ttlSeconds`.
 */
export class BrowserOrigins {
  readonly #clients: ClientStore;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #configured: ReadonlySet<string>;
  #cached: { at: number; origins: Promise<ReadonlySet<string>> } | undefined;

  constructor(clients: ClientStore, clock: Clock, ttlSeconds: number, configured: readonly string[]) {
    this.#clients = clients;
    this.#clock = clock;
    this.#ttlMs = ttlSeconds * 1000;
    this.#configured = new Set(configured);
  }

  async allows(origin: string): Promise<boolean> {
    if (this.#configured.has(origin)) return true;
    return (await this.#origins()).has(origin);
  }

  /** A client changed: the set is recomputed on the next request that needs it. */
  invalidate(): void {
    this.#cached = undefined;
  }

  #origins(): Promise<ReadonlySet<string>> {
    const now = this.#clock.now().getTime();
    if (this.#cached === undefined || now - this.#cached.at >= this.#ttlMs) {
      const origins = this.#load();
      this.#cached = { at: now, origins };
      origins.catch(() => {
        if (this.#cached?.origins === origins) this.#cached = undefined;
      });
    }
    return this.#cached.origins;
  }

  async #load(): Promise<ReadonlySet<string>> {
    const origins = new Set<string>();
    for (const client of await this.#clients.list()) {
      if (client.type !== 'public' || client.revokedAt !== null) continue;
      for (const uri of client.redirectUris) {
        const parsed = URL.canParse(uri) ? new URL(uri) : undefined;
        if (parsed !== undefined && (parsed.protocol === 'https:' || parsed.protocol === 'http:'))
          origins.add(parsed.origin);
      }
    }
    return origins;
  }
}
