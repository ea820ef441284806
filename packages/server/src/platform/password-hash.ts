import { availableParallelism } from 'node:os';

/**
 * Loaded on first use: a server that never checks a password (machine clients only) does not
 * carry the native module in memory, and start-up does not wait for it.
 */
let argon2: Promise<typeof import('@node-rs/argon2')> | undefined;
const loadArgon2 = () => {
  argon2 ??= import('@node-rs/argon2');
  return argon2;
};

/**
 * OWASP Password Storage Cheat Sheet, argon2id: m = 19 MiB, t = 2, p = 1. (@node-rs/argon2's
 * default algorithm is argon2id; its Algorithm enum is a const enum this build cannot import.)
 */
export const passwordHashParameters = {
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** A password check found `maxWaiting` checks already queued: answer at once rather than queue. */
export class PasswordQueueFull extends Error {
  override readonly name = 'PasswordQueueFull';
}

/** How long the queue of checks waiting for a core may be, and whose check this is. */
export interface QueueBound {
  readonly maxWaiting: number;
  /** Who asks (an address): one asker may hold at most a quarter of the waiting places. */
  readonly key?: string;
}

/** The share of the waiting places one key may hold: a flood from one address leaves the rest to others. */
const shareOf = (maxWaiting: number) => Math.max(1, Math.floor(maxWaiting / 4));

/**
 * At most one argon2 computation per core the process may run on (taskset and cgroup limits
 * included). Each one holds 19 MiB; more at once than cores only take turns on the CPU while
 * evicting each other's memory from the cache, and they would fill libuv's thread pool, which
 * file and DNS work share. Extra computations wait here, in order; a sign-in waits only while
 * the queue is shorter than its bound and its address holds less than its share, so a guess
 * flood can neither make every sign-in slow nor take every waiting place (issue 20: a flood's
 * first seconds filled the queue and shed a legitimate sign-in from another address).
 */
class HashSlots {
  #free = Math.max(1, availableParallelism());
  readonly #waiting: Array<() => void> = [];
  readonly #waitingByKey = new Map<string, number>();

  async run<T>(work: () => Promise<T>, bound?: QueueBound): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await this.#wait(bound);
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#free += 1;
      else next();
    }
  }

  async #wait(bound: QueueBound | undefined): Promise<void> {
    const key = bound?.key;
    const held = key === undefined ? 0 : (this.#waitingByKey.get(key) ?? 0);
    if (
      bound !== undefined &&
      (this.#waiting.length >= bound.maxWaiting || held >= shareOf(bound.maxWaiting))
    )
      throw new PasswordQueueFull('password checks are queued to the bound');
    if (key !== undefined) this.#waitingByKey.set(key, held + 1);
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (key === undefined) return;
    const left = (this.#waitingByKey.get(key) ?? 1) - 1;
    if (left === 0) this.#waitingByKey.delete(key);
    else this.#waitingByKey.set(key, left);
  }
}

const slots = new HashSlots();

/** Setting and changing passwords always wait their turn: they are rare and an admin's. */
export async function hashPassword(password: string): Promise<string> {
  const { hash } = await loadArgon2();
  return slots.run(() => hash(password, passwordHashParameters));
}

/**
 * Throws PasswordQueueFull when `bound.maxWaiting` checks are already waiting for a core, or its
 * key already holds its share of them; without a bound, the check waits however long the queue is.
 */
export async function verifyPassword(
  encoded: string,
  password: string,
  bound?: QueueBound,
): Promise<boolean> {
  const { verify } = await loadArgon2();
  return slots.run(async () => {
    try {
      return await verify(encoded, password);
    } catch {
      return false;
    }
  }, bound);
}

/** True when a stored hash was made with other parameters than today's, so it should be redone. */
export function passwordNeedsRehash(encoded: string): boolean {
  const p = passwordHashParameters;
  return !encoded.startsWith(`$argon2id$v=19$m=${p.memoryCost},t=${p.timeCost},p=${p.parallelism}$`);
}
