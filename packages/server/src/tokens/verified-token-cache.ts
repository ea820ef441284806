import type { JWTVerifyGetKey } from 'jose';

/**
 * Access tokens whose signature has already been checked, by their exact text. A resource server
 * tends to introspect the same token on every call it receives until the token expires; with
 * this, each distinct token costs one signature verification, not one per call.
 *
 * An entry only counts while the key set it was verified against is still the current one (a
 * key reload yields a new resolver, so a withdrawn key is never trusted from here), and the
 * caller still checks expiry, revocation, client, session and user on every call. Bounded: the
 * oldest entry goes first.
 */
export class VerifiedTokenCache<Claims extends object> {
  readonly #entries = new Map<string, { readonly claims: Claims; readonly keys: JWTVerifyGetKey }>();
  readonly #capacity: number;
  /** Lookups that found a usable entry, and the others (metrics). */
  #hits = 0;
  #misses = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(token: string, keys: JWTVerifyGetKey): Claims | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) {
      this.#misses += 1;
      return undefined;
    }
    if (entry.keys !== keys) {
      this.#entries.delete(token);
      this.#misses += 1;
      return undefined;
    }
    this.#hits += 1;
    return entry.claims;
  }

  set(token: string, keys: JWTVerifyGetKey, claims: Claims): void {
    if (this.#capacity === 0) return;
    this.#entries.delete(token);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(token, { claims: Object.freeze(claims), keys });
  }

  get size(): number {
    return this.#entries.size;
  }

  stats(): { hits: number; misses: number; size: number } {
    return { hits: this.#hits, misses: this.#misses, size: this.#entries.size };
  }
}
