/** A promise-chain mutex: runs each critical section after the previous one settles. */
export interface Mutex {
  run<T>(section: () => Promise<T>): Promise<T>;
}

export function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(section: () => Promise<T>): Promise<T> {
      const result = tail.then(section);
      // The next section waits for this one, whether it fulfils or rejects.
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
