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

/**
 * At most one argon2 computation per core the process may run on (taskset and cgroup limits
 * included). Each one holds 19 MiB; more at once than cores only take turns on the CPU while
 * evicting each other's memory from the cache, and they would fill libuv's thread pool, which
 * file and DNS work share. Extra computations wait here, in order; a sign-in waits only while
 * the queue is shorter than its bound, so a guess flood cannot make every sign-in slow.
 */
class HashSlots {
  #free = Math.max(1, availableParallelism());
  readonly #waiting: Array<() => void> = [];

  async run<T>(work: () => Promise<T>, maxWaiting = Number.POSITIVE_INFINITY): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else if (this.#waiting.length >= maxWaiting)
      throw new PasswordQueueFull('password checks are queued to the bound');
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#free += 1;
      else next();
    }
  }
}

const slots = new HashSlots();

/** Setting and changing passwords always wait their turn: they are rare and an admin's. */
export async function hashPassword(password: string): Promise<string> {
  const { hash } = await loadArgon2();
  return slots.run(() => hash(password, passwordHashParameters));
}

/**
 * Throws PasswordQueueFull when `maxWaiting` checks are already waiting for a core; without it,
 * the check waits however long the queue is.
 */
export async function verifyPassword(
  encoded: string,
  password: string,
  maxWaiting?: number,
): Promise<boolean> {
  const { verify } = await loadArgon2();
  return slots.run(async () => {
    try {
      return await verify(encoded, password);
    } catch {
      return false;
    }
  }, maxWaiting);
}

/** True when a stored hash was made with other parameters than today's, so it should be redone. */
export function passwordNeedsRehash(encoded: string): boolean {
  const p = passwordHashParameters;
  return !encoded.startsWith(`$argon2id$v=19$m=${p.memoryCost},t=${p.timeCost},p=${p.parallelism}$`);
}
