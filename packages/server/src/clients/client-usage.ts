import type { Clock } from '../platform/clock.js';
import type { SecretUse } from './client.js';
import type { ClientStore, ClientUsageStore, UsageCount } from './stores.js';

/** Days of usage kept, and the longest window a usage query may ask for. */
export const usageRetentionDays = 366;

/** A user agent is kept to this many characters: enough to tell one client library from another. */
const maxUserAgentLength = 512;

/** Client-days kept pending through failed flushes, at most: beyond, a failed flush's counts are dropped. */
const maxPendingDays = 100_000;

interface UsageDeps {
  readonly usage: ClientUsageStore;
  readonly secrets: Pick<ClientStore, 'recordSecretUse'>;
  readonly clock: Clock;
  /** A flush failed (the database is away): its counts are kept for the next one. */
  readonly onFlushError?: (error: unknown) => void;
}

/**
 * Token requests per client per UTC day (granted and refused) and the last use of each secret,
 * counted OFF the token endpoint's hot path: a request only adds to a map in memory, and
 * `flush()` writes the map in one batch (one upsert per client and day, one update per secret
 * used), every `TESSERA_USAGE_FLUSH_INTERVAL` seconds and when the server stops. What a crash
 * loses is bounded by the interval; a flush that fails keeps its counts for the next. Several
 * instances add to the same rows, so their counts sum.
 */
export class ClientUsage {
  readonly #deps: UsageDeps;
  /** `clientId day` → the day's counts not yet written. */
  #counts = new Map<string, { clientId: string; day: string; granted: number; refused: number }>();
  /** secret id → its latest use not yet written. */
  #uses = new Map<string, SecretUse>();
  #flushing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  /** The UTC day of the last count, kept: formatting a date for every token request showed in profiles. */
  #day = { label: '', start: 0, end: 0 };

  constructor(deps: UsageDeps) {
    this.#deps = deps;
  }

  /** A token was issued to `clientId`, which proved itself with `secretId` (null: a public client). */
  granted(clientId: string, secretId: string | null, ip: string | null, userAgent: string | null): void {
    const at = this.#deps.clock.now();
    this.#count(clientId, at).granted += 1;
    if (secretId !== null)
      this.#uses.set(secretId, { at, ip, userAgent: userAgent?.slice(0, maxUserAgentLength) ?? null });
  }

  /** A token request naming `clientId` was refused (wrong secret, scope or grant, over its rate limit). */
  refused(clientId: string): void {
    this.#count(clientId, this.#deps.clock.now()).refused += 1;
  }

  /** Writes what was counted so far; flushes run one after another, so this includes every count made before it. */
  flush(): Promise<void> {
    const next = this.#flushing.then(() => this.#write());
    this.#flushing = next.catch(() => {});
    return next;
  }

  start(intervalSeconds: number): void {
    this.#timer = setInterval(() => {
      this.flush().catch((error: unknown) => this.#deps.onFlushError?.(error));
    }, intervalSeconds * 1000);
    this.#timer.unref();
  }

  /** Stops the timer and writes what is left (the server is stopping). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /** How many client-days and secret uses wait for the next flush. */
  get pending(): { days: number; secrets: number } {
    return { days: this.#counts.size, secrets: this.#uses.size };
  }

  async #write(): Promise<void> {
    const counts = [...this.#counts.values()];
    const uses = [...this.#uses.entries()];
    this.#counts = new Map();
    this.#uses = new Map();
    let written = 0;
    try {
      if (counts.length > 0) await this.#deps.usage.add(counts);
      written = counts.length;
      for (const [secretId, use] of uses) {
        await this.#deps.secrets.recordSecretUse(secretId, use);
        written += 1;
      }
    } catch (error) {
      this.#keep(written === 0 ? counts : [], uses.slice(Math.max(0, written - counts.length)));
      throw error;
    }
  }

  /** Puts back what a failed flush did not write, under what was counted meanwhile. */
  #keep(counts: readonly UsageCount[], uses: ReadonlyArray<readonly [string, SecretUse]>): void {
    for (const count of counts) {
      if (this.#counts.size >= maxPendingDays) break;
      const pending = this.#entry(count.clientId, count.day);
      pending.granted += count.granted;
      pending.refused += count.refused;
    }
    for (const [secretId, use] of uses) {
      const later = this.#uses.get(secretId);
      if (later === undefined || later.at < use.at) this.#uses.set(secretId, use);
    }
  }

  #count(clientId: string, at: Date) {
    return this.#entry(clientId, this.#dayOf(at.getTime()));
  }

  #dayOf(ms: number): string {
    if (ms < this.#day.start || ms >= this.#day.end) {
      const start = ms - (ms % msPerDay);
      this.#day = { label: utcDay(new Date(start)), start, end: start + msPerDay };
    }
    return this.#day.label;
  }

  #entry(clientId: string, day: string) {
    const key = `${clientId} ${day}`;
    let entry = this.#counts.get(key);
    if (entry === undefined) {
      entry = { clientId, day, granted: 0, refused: 0 };
      this.#counts.set(key, entry);
    }
    return entry;
  }
}

const msPerDay = 86_400_000;

/** 'YYYY-MM-DD' of the UTC day `at` falls on. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
