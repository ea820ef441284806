import { errors, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../platform/clock.js';

/**
 * At most one reload per this many seconds is caused by unknown `kid`s: anyone can send a token
 * naming a made-up key, and each reload reads every key from the database.
 */
export const unknownKidCooldownSeconds = 5;

/**
 * Reloads asked for by unknown `kid`s (STYLE C19, as jose's remote JWKS refetches): one at a time,
 * and at most one per cooldown. A key rotated on another instance verifies here at once, even
 * when its invalidation message was lost.
 */
export class UnknownKidReload {
  readonly #reload: () => Promise<void>;
  readonly #clock: Clock;
  #last: { readonly at: number; readonly done: Promise<void> } | undefined;

  constructor(reload: () => Promise<void>, clock: Clock) {
    this.#reload = reload;
    this.#clock = clock;
  }

  /** Resolves once the latest reload has settled: a new one, or the one within the cooldown. */
  request(): Promise<void> {
    const now = this.#clock.now().getTime();
    const last = this.#last;
    if (last !== undefined && now - last.at < unknownKidCooldownSeconds * 1000 && now >= last.at) {
      return last.done;
    }
    const done = this.#reload().catch(() => undefined);
    this.#last = { at: now, done };
    return done;
  }
}

/**
 * A key resolver over `local` (the keys loaded now) that, meeting a `kid` it does not know, has
 * the keys reloaded and looks once more in the fresh set.
 */
export function reloadingOnUnknownKid(
  local: JWTVerifyGetKey,
  reloadAndGetFresh: () => Promise<JWTVerifyGetKey>,
): JWTVerifyGetKey {
  return async function resolveKey(header, token) {
    try {
      return await local(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      const fresh = await reloadAndGetFresh();
      if (fresh === local) throw error;
      return fresh(header, token);
    }
  };
}
