import type { Clock } from '../../platform/clock.js';
import { randomToken } from '../../platform/random.js';
import { hashSecret } from '../../platform/secret-hash.js';
import type { Interaction, InteractionStore } from '../stores.js';
import type { RawParams } from './authorization-request.js';

/** How long a user has to sign in and consent before the application must start again. */
export const interactionLifetimeSeconds = 1800;

/**
 * Short-lived server-side records of authorization requests in progress (as oidc-provider's
 * Interaction model): the browser carries an opaque id from page to page, never the request, so
 * a later step (an upstream IdP, a second factor) joins the flow without touching the others.
 * Only the id's hash is stored. Each is bound to the browser that started it through a secret
 * the browser holds in an HttpOnly cookie (`browserKey`): someone who learns the id from a URL
 * cannot sign in, consent or deny on it.
 */
export class Interactions {
  readonly #store: InteractionStore;
  readonly #clock: Clock;

  constructor(store: InteractionStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Starts one for the request's parameters, bound to this browser; returns its id. */
  async start(params: RawParams, browserKey: string): Promise<string> {
    const id = randomToken(32);
    const now = this.#clock.now();
    const kept: Record<string, string | readonly string[]> = {};
    for (const [name, value] of Object.entries(params)) if (value !== undefined) kept[name] = value;
    await this.#store.insert({
      idHash: hashSecret(id),
      params: kept,
      browserBinding: hashSecret(browserKey),
      createdAt: now,
      expiresAt: new Date(now.getTime() + interactionLifetimeSeconds * 1000),
      loginSessionId: null,
      consentedUserId: null,
    });
    return id;
  }

  /** The live interaction with this id started by this browser, or undefined (unknown, expired, finished, another browser's). */
  async find(id: string | undefined, browserKey: string): Promise<Interaction | undefined> {
    if (id === undefined || id === '') return undefined;
    const interaction = await this.#store.find(hashSecret(id), this.#clock.now());
    // Both sides are SHA-256 digests of secrets, so comparing them leaks nothing usable.
    return interaction?.browserBinding === hashSecret(browserKey) ? interaction : undefined;
  }

  recordLogin(id: string, sessionId: string): Promise<void> {
    return this.#store.recordLogin(hashSecret(id), sessionId);
  }

  recordConsent(id: string, userId: string): Promise<void> {
    return this.#store.recordConsent(hashSecret(id), userId);
  }

  /** Done: the flow goes back to the application. False when another request finished it first. */
  finish(id: string): Promise<boolean> {
    return this.#store.delete(hashSecret(id));
  }

  purgeExpired(): Promise<number> {
    return this.#store.deleteExpired(this.#clock.now());
  }
}
