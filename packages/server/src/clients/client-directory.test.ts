import { describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import type { Client, ClientSecret } from './client.js';
import { ClientDirectory } from './client-directory.js';
import type { ClientStore } from './stores.js';

/** A store holding the given ids, counting lookups; `gate` holds every lookup until released. */
function storeOf(ids: readonly string[]) {
  const lookups: string[] = [];
  let release: () => void = () => {};
  let gate: Promise<void> | undefined;
  const store: Pick<ClientStore, 'findWithOwnerState' | 'secretsOf'> = {
    async findWithOwnerState(id) {
      lookups.push(id);
      await gate;
      // 'alice-…' ids are Alice's clients (an API key, say); the others an administrator's.
      const ownerUserId = id.startsWith('alice-') ? 'alice' : null;
      return ids.includes(id)
        ? { client: { id, name: id, ownerUserId } as Client, ownerDisabled: false }
        : undefined;
    },
    async secretsOf(): Promise<ClientSecret[]> {
      return [];
    },
  };
  return {
    store: store as ClientStore,
    lookups,
    hold() {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    release: () => release(),
  };
}

// Issue 15: unknown client ids of any length were cached (10,000 entries of up to 60 KB each).
describe('ClientDirectory', () => {
  it('keeps the clients it found and nothing for unknown ids', async () => {
    const { store, lookups } = storeOf(['known']);
    const directory = new ClientDirectory(store, new ManualClock(0), 60);
    for (let i = 0; i < 50; i += 1) expect(await directory.find(`unknown-${i}`)).toBeUndefined();
    expect(directory.size).toBe(0);
    expect((await directory.find('known'))?.client.id).toBe('known');
    expect(await directory.find('known')).toBeDefined();
    expect(directory.size).toBe(1);
    expect(lookups.filter((id) => id === 'known')).toHaveLength(1);
  });

  it('never looks up an id no client can have', async () => {
    const { store, lookups } = storeOf(['known']);
    const directory = new ClientDirectory(store, new ManualClock(0), 60);
    for (const id of [
      '',
      'a'.repeat(256),
      'x'.repeat(60_000),
      'a\u0000b',
      'a\r\nb',
      'tab\there',
      'del\u007f',
    ]) {
      expect(await directory.find(id)).toBeUndefined();
    }
    expect(lookups).toEqual([]);
    expect(directory.size).toBe(0);
  });

  it('lets concurrent lookups of one id share a query, and forgets it once answered', async () => {
    const { store, lookups, hold, release } = storeOf([]);
    const directory = new ClientDirectory(store, new ManualClock(0), 60);
    hold();
    const pending = Array.from({ length: 5 }, () => directory.find('nobody'));
    release();
    expect(await Promise.all(pending)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(lookups).toEqual(['nobody']);
    await directory.find('nobody');
    expect(lookups).toEqual(['nobody', 'nobody']);
    expect(directory.size).toBe(0);
  });

  it('does not keep a lookup that was under way when the client changed', async () => {
    const { store, lookups, hold, release } = storeOf(['known']);
    const directory = new ClientDirectory(store, new ManualClock(0), 60);
    hold();
    const stale = directory.find('known');
    directory.invalidate('known');
    release();
    expect(await stale).toBeDefined();
    expect(directory.size).toBe(0);
    await directory.find('known');
    expect(lookups).toEqual(['known', 'known']);
    expect(directory.size).toBe(1);
  });

  // Issue 16: a client answers for its owner; disabling the owner ('user' on the bus) drops it.
  it("forgets the clients of a changed user, keeps everyone else's, and keeps no lookup under way", async () => {
    const { store, lookups, hold, release } = storeOf(['alice-key', 'alice-cli', 'admin-app', 'other']);
    const directory = new ClientDirectory(store, new ManualClock(0), 60);
    for (const id of ['alice-key', 'alice-cli', 'admin-app']) await directory.find(id);
    hold();
    const underWay = directory.find('other');
    directory.invalidateOwnedBy('alice');
    release();
    expect(await underWay).toBeDefined();
    expect(directory.size).toBe(1);
    expect(directory.cached('admin-app')).toBeDefined();
    await directory.find('alice-key');
    expect(lookups.filter((id) => id === 'alice-key')).toHaveLength(2);
    directory.invalidateOwnedBy(undefined);
    expect(directory.size).toBe(0);
  });

  it('answers from the cache alone when asked what it holds, never looking anything up', async () => {
    const clock = new ManualClock(0);
    const { store, lookups } = storeOf(['known']);
    const directory = new ClientDirectory(store, clock, 5);
    expect(directory.cached('known')).toBeUndefined();
    await directory.find('known');
    expect(directory.cached('known')?.id).toBe('known');
    expect(directory.cached('unknown')).toBeUndefined();
    clock.advance(5);
    expect(directory.cached('known')).toBeUndefined();
    expect(lookups).toEqual(['known']);
  });

  it('reloads a client after the time to live, and caches nothing with a zero one', async () => {
    const clock = new ManualClock(0);
    const { store, lookups } = storeOf(['known']);
    const directory = new ClientDirectory(store, clock, 5);
    await directory.find('known');
    clock.advance(4);
    await directory.find('known');
    clock.advance(1);
    await directory.find('known');
    expect(lookups).toEqual(['known', 'known']);

    const uncached = new ClientDirectory(store, clock, 0);
    await uncached.find('known');
    expect(uncached.size).toBe(0);
  });
});
