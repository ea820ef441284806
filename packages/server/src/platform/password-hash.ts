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

/**
 * At most one argon2 computation per core the process may run on (taskset and cgroup limits
 * included). Each one holds 19 MiB; more at once than cores only take turns on the CPU while
 * evicting each other's memory from the cache, and they would fill libuv's thread pool, which
 * file and DNS work share. Extra sign-ins wait here, in order.
 */
class HashSlots {
  #free = Math.max(1, availableParallelism());
  readonly #waiting: Array<() => void> = [];

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
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

export async function hashPassword(password: string): Promise<string> {
  const { hash } = await loadArgon2();
  return slots.run(() => hash(password, passwordHashParameters));
}

export async function verifyPassword(encoded: string, password: string): Promise<boolean> {
  const { verify } = await loadArgon2();
  try {
    return await slots.run(() => verify(encoded, password));
  } catch {
    return false;
  }
}

/** True when a stored hash was made with other parameters than today's, so it should be redone. */
export function passwordNeedsRehash(encoded: string): boolean {
  const p = passwordHashParameters;
  return !encoded.startsWith(`$argon2id$v=19$m=${p.memoryCost},t=${p.timeCost},p=${p.parallelism}$`);
}
