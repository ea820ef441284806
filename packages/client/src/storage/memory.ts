import { createMutex } from '../internal/mutex.js';
import type { TokenStore, Tokens } from './token-store.js';

/**
 * The default store: tokens in this process's (or tab's) memory only, gone on exit or reload.
 * Its lock is an in-process mutex, so client instances sharing one memory store never race.
 */
export function createMemoryStore(initial?: Tokens): TokenStore {
  let tokens = initial;
  const mutex = createMutex();
  return {
    async get() {
      return tokens;
    },
    async set(next) {
      tokens = next;
    },
    async clear() {
      tokens = undefined;
    },
    lock: (section) => mutex.run(section),
  };
}
