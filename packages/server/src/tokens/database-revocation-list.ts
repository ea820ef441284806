import type { Clock } from '../platform/clock.js';
import type { RevocationList, RevokedTokenStore } from './revocation-list.js';

export class DatabaseRevocationList implements RevocationList {
  readonly #store: RevokedTokenStore;
  readonly #clock: Clock;

  constructor(store: RevokedTokenStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  revoke(jti: string, expiresAt: Date): Promise<void> {
    return this.#store.insert(jti, expiresAt, this.#clock.now());
  }

  isRevoked(jti: string): Promise<boolean> {
    return this.#store.contains(jti);
  }

  purgeExpired(): Promise<number> {
    return this.#store.deleteExpired(this.#clock.now());
  }
}
