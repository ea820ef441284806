import type { Clock } from '../../platform/clock.js';
import type { ConsentStore } from '../stores.js';
import type { AuthorizationRequest } from './authorization-request.js';

/**
 * What a user allowed a client: remembered per user + client, widened by each new consent, so
 * the same request is not asked again (first-party clients never ask: authorize.ts).
 */
export class Consents {
  readonly #store: ConsentStore;
  readonly #clock: Clock;

  constructor(store: ConsentStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Whether every scope the request asks for was allowed before. */
  async covers(userId: string, request: AuthorizationRequest): Promise<boolean> {
    const consent = await this.#store.find(userId, request.client.id);
    return consent !== undefined && request.scope.every((s) => consent.scopes.includes(s));
  }

  /** Records that the user allowed the request's scopes, keeping what they allowed before. */
  async allow(userId: string, request: AuthorizationRequest): Promise<void> {
    const previous = await this.#store.find(userId, request.client.id);
    await this.#store.save({
      userId,
      clientId: request.client.id,
      scopes: [...new Set([...(previous?.scopes ?? []), ...request.scope])],
      grantedAt: this.#clock.now(),
    });
  }
}
