import type { TokenStore } from '../storage/token-store.js';
import { createMutex } from './mutex.js';

export type RefreshLock = <T>(section: () => Promise<T>) => Promise<T>;

/**
 * The lock a refresh runs under, outermost first:
 * - the Web Locks API (`navigator.locks`) when the runtime has it: every tab and worker of the
 *   origin waits on the same `name`, so two tabs never rotate the same refresh token;
 * - then the store's own lock (a lock file, a mutex) for clients that share a store across
 *   processes or instances, or else a mutex private to this client.
 * Always taken in that order, so two clients cannot deadlock each other.
 */
export function createRefreshLock(name: string, store: TokenStore): RefreshLock {
  const ownMutex = createMutex();
  return function underRefreshLock<T>(section: () => Promise<T>): Promise<T> {
    const inStore = () => (store.lock === undefined ? ownMutex.run(section) : store.lock(section));
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    if (typeof locks?.request !== 'function') return inStore();
    // The DOM typing wraps a promise-returning callback's result once more; at run time it is T.
    return locks.request(name, inStore) as Promise<unknown> as Promise<T>;
  };
}
