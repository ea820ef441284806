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
  /** Who asks (an address): one asker may hold at most half of the waiting places. */
  readonly key?: string;
}

/** The waiting places one key may hold: a flood from one address leaves the rest to others. */
const shareOf = (maxWaiting: number) => Math.max(1, Math.floor(maxWaiting / 2));

/**
 * At most one argon2 computation per core the process may run on (taskset and cgroup limits
 * included). Each one holds 19 MiB; more at once than cores only take turns on the CPU while
 * evicting each other's memory from the cache, and they would fill libuv's thread pool, which
 * file and DNS work share. Extra computations wait here, per asker (an address), and a freed core
 * goes to the asker that has waited longest since it was last served (round robin), so a guess
 * flood from one address delays another address's sign-in by at most one of its checks. A
 * sign-in waits only while the queue is shorter than its bound and its address holds less than
 * its share, so a flood can neither make every sign-in slow nor take every waiting place
 * (issue 20: a flood's first seconds filled a first-come queue and shed a legitimate sign-in).
 */
export class HashSlots {
  #free: number;
  /** Waiting checks by asker, in the order the askers are to be served next. */
  readonly #queues = new Map<string, Array<() => void>>();
  #waiting = 0;

  constructor(cores = Math.max(1, availableParallelism())) {
    this.#free = cores;
  }

  async run<T>(work: () => Promise<T>, bound?: QueueBound): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await this.#wait(bound);
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  #wait(bound: QueueBound | undefined): Promise<void> {
    const key = bound?.key ?? '';
    const queue = this.#queues.get(key);
    if (
      bound !== undefined &&
      (this.#waiting >= bound.maxWaiting || (queue?.length ?? 0) >= shareOf(bound.maxWaiting))
    )
      throw new PasswordQueueFull('password checks are queued to the bound');
    this.#waiting += 1;
    return new Promise<void>((resolve) => {
      if (queue === undefined) this.#queues.set(key, [resolve]);
      else queue.push(resolve);
    });
  }

  /** Hands the core to the first asker in turn, which then goes to the back if it has more waiting. */
  #release(): void {
    const first = this.#queues.entries().next();
    if (first.done === true) {
      this.#free += 1;
      return;
    }
    const [key, queue] = first.value;
    const next = queue.shift() as () => void;
    this.#queues.delete(key);
    if (queue.length > 0) this.#queues.set(key, queue);
    this.#waiting -= 1;
    next();
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
