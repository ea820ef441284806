import type { Redis } from 'ioredis';
import type { Clock } from '../platform/clock.js';
import { RedisRevocationSet } from './redis-revocation-set.js';
import type { RevocationList, RevokedTokenStore } from './revocation-list.js';

/** What the list tells its owner, who decides what to log (composition/revocations.ts). */
export type RevocationListEvent =
  /** A Redis command failed or timed out: the database answers until a fill succeeds. */
  | { readonly kind: 'redis-failed'; readonly error: unknown }
  /** The set lost its completeness marker (flushed, evicted, deleted): the database answers, a fill runs. */
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'fill-failed'; readonly error: unknown }
  /** The set holds every revocation again; Redis answers. */
  | { readonly kind: 'in-sync'; readonly entries: number };

export interface RedisRevocationListOptions {
  readonly redis: Redis;
  readonly store: RevokedTokenStore;
  readonly clock: Clock;
  readonly report: (event: RevocationListEvent) => void;
  /** The sorted set's key (redis-revocation-set.ts). */
  readonly key: string;
  /** First and longest wait between failed fills. */
  readonly retryMs?: { readonly min: number; readonly max: number };
}

/**
 * An entry outlives its token by this much, so that an instance whose clock is a little behind
 * (and thinks the token still valid) does not find it gone.
 */
const graceMs = 60_000;

/**
 * Revocations shared through Redis, so every instance refuses a revoked token at once without a
 * database read. The database stays the truth: every revocation is written there first, and a
 * "not revoked" from Redis counts only while Redis can show that it holds all of them.
 *
 * Why a sorted set with a completeness marker inside it (and not a key per jti with a TTL, a
 * separate marker key, or a count): Redis loses whole keys, never part of one. FLUSHALL, DEL, an
 * `allkeys-*` eviction or a restart without persistence take the marker with the data; a
 * separate marker key can outlive the data under `allkeys-*`, and per-jti keys with a TTL are
 * exactly what `volatile-*` evicts first while a marker without TTL survives (a count kept
 * beside them could only be checked by counting keys on every read). The set has no TTL, so
 * `volatile-*` never picks it; entries expire by score, trimmed on each write by Redis's clock.
 *
 * - A read is one script: `revoked` is trusted as is; `absent` only when the marker is there
 *   too. Without the marker the database answers and a fill starts (one at a time, backing off).
 * - A fill proves that nothing was lost while it ran: it adds a witness member, then reads the
 *   database, writes every revocation and adds the marker only if the witness is still there.
 *   A revocation committed after its database read is added by its own `revoke()`, after the
 *   witness was written, so it is in the set as well.
 * - An instance asks Redis only after a fill of its own since its latest (re)connection. A Redis
 *   restored from an older snapshot (marker present, recent revocations missing) dropped every
 *   connection, so every instance fills before trusting it again.
 * - Any failed or timed-out command sends every read to the database until a fill succeeds, so a
 *   stalled Redis costs at most one command timeout per request in flight, not one per request.
 * - A write Redis refused (a reply error: out of memory under `noeviction`, a read-only replica)
 *   deletes the set: its marker would vouch for a set without that revocation. Every instance
 *   then fills again.
 *
 * What this cannot cover: an instance that reaches the database but not Redis cannot tell the
 * others of its revocations until it reconnects and fills; while Redis answers them, they accept
 * such a token for that long.
 */
export class RedisRevocationList implements RevocationList {
  readonly #set: RedisRevocationSet;
  readonly #store: RevokedTokenStore;
  readonly #clock: Clock;
  readonly #report: (event: RevocationListEvent) => void;
  readonly #retryMs: { readonly min: number; readonly max: number };

  /** Whether Redis's answers count: set by a fill, cleared by anything that may have lost data. */
  #trusted = false;
  /** Bumped whenever trust is lost, so a fill that began before cannot restore it. */
  #epoch = 0;
  #filling = false;
  #fillAgain = false;
  /** The next wait before a fill after trouble: doubles while fills fail or the set keeps being lost. */
  #retryDelay: number;
  /** When the latest fill succeeded: Date.now(), since backoff is real time even under a test's manual clock. */
  #inSyncAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: RedisRevocationListOptions) {
    this.#set = new RedisRevocationSet(options.redis, options.key);
    this.#store = options.store;
    this.#clock = options.clock;
    this.#report = options.report;
    this.#retryMs = options.retryMs ?? { min: 500, max: 5000 };
    this.#retryDelay = this.#retryMs.min;
  }

  /** Whether Redis answers for this instance right now (false: the database does). */
  get inSync(): boolean {
    return this.#trusted;
  }

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    const now = this.#clock.now();
    await this.#store.insert(jti, expiresAt, now);
    const ttlMs = expiresAt.getTime() - now.getTime();
    if (ttlMs <= 0) return;
    try {
      await this.#set.add([{ jti, ttlMs: ttlMs + graceMs }]);
    } catch (error) {
      // A timed-out write still reaches Redis when it answers again, and a lost connection is
      // followed by a fill; only a refused write leaves a set that is complete but for this one.
      if (isReplyError(error)) await this.#set.invalidate().catch(() => undefined);
      this.#failed(error);
    }
  }

  async isRevoked(jti: string): Promise<boolean> {
    if (this.#trusted) {
      const epoch = this.#epoch;
      try {
        const answer = await this.#set.check(jti);
        // A revocation is never undone, but "absent" counts only if nothing (a reconnection to a
        // Redis restored from an older snapshot, say) cost the set its trust while the read ran.
        if (answer === 'revoked') return true;
        if (epoch === this.#epoch) {
          if (answer === 'absent') return false;
          this.#lost();
        }
      } catch (error) {
        this.#failed(error);
      }
    }
    return this.#store.contains(jti);
  }

  async purgeExpired(): Promise<number> {
    const purged = await this.#store.deleteExpired(this.#clock.now());
    await this.#set.trim().catch((error: unknown) => this.#failed(error));
    return purged;
  }

  /** The connection is (again) ready: what Redis holds is unknown until this instance fills it. */
  connected(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // A connection that keeps dropping right after a fill backs off like any other trouble.
    const calm = this.#calm();
    if (calm) this.#retryDelay = this.#retryMs.min;
    this.#distrust();
    this.#scheduleFill(calm ? 'now' : 'backoff');
  }

  /** The connection closed: the database answers until `connected` and a fill. */
  disconnected(): void {
    this.#distrust();
  }

  /** No more fills (the connection has ended for good). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #distrust(): void {
    this.#trusted = false;
    this.#epoch += 1;
  }

  #lost(): void {
    if (!this.#trusted) return;
    this.#report({ kind: 'incomplete' });
    this.#troubled();
  }

  /** Also ends a fill in progress: a write that failed during it may be missing from the set. */
  #failed(error: unknown): void {
    this.#report({ kind: 'redis-failed', error });
    this.#troubled();
  }

  /**
   * Fills again after a wait. A set that Redis keeps losing (evicted under memory pressure) is
   * refilled ever more slowly, since each fill reads every unexpired revocation from the database;
   * the wait starts over once a fill has held for the longest wait.
   */
  #troubled(): void {
    if (this.#trusted && this.#calm()) this.#retryDelay = this.#retryMs.min;
    this.#distrust();
    this.#scheduleFill('backoff');
  }

  /** The latest fill has held for the longest wait (or there was none yet). */
  #calm(): boolean {
    return Date.now() - this.#inSyncAt > this.#retryMs.max;
  }

  #scheduleFill(when: 'now' | 'backoff'): void {
    if (this.#stopped || this.#timer !== undefined) return;
    if (this.#filling) {
      this.#fillAgain = true;
      return;
    }
    const delayMs = when === 'now' ? 0 : this.#retryDelay;
    if (when === 'backoff') this.#retryDelay = Math.min(this.#retryDelay * 2, this.#retryMs.max);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#fill();
    }, delayMs);
    this.#timer.unref();
  }

  async #fill(): Promise<void> {
    this.#filling = true;
    this.#fillAgain = false;
    const epoch = this.#epoch;
    try {
      const entries = await this.#copyDatabase();
      if (epoch === this.#epoch) {
        this.#trusted = true;
        this.#inSyncAt = Date.now();
        this.#report({ kind: 'in-sync', entries });
      } else {
        this.#fillAgain = true;
      }
    } catch (error) {
      this.#report({ kind: 'fill-failed', error });
      this.#fillAgain = true;
    } finally {
      this.#filling = false;
    }
    if (this.#fillAgain) this.#scheduleFill('backoff');
  }

  /** One fill: witness, database, entries, marker. Returns how many revocations it wrote. */
  async #copyDatabase(): Promise<number> {
    const witness = await this.#set.beginFill();
    const now = this.#clock.now();
    const entries = (await this.#store.listUnexpired(now))
      .map((e) => ({ jti: e.jti, ttlMs: e.expiresAt.getTime() - now.getTime() + graceMs }))
      .filter((e) => e.ttlMs > graceMs);
    await this.#set.add(entries);
    if (!(await this.#set.completeFill(witness)))
      throw new Error('the revocation set was lost while it was being filled');
    return entries.length;
  }
}

/** Redis answered with an error (as opposed to not answering): ioredis's ReplyError. */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}
