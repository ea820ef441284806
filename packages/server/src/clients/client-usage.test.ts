import { describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import type { SecretUse } from './client.js';
import { ClientUsage } from './client-usage.js';
import type { UsageCount } from './stores.js';

/** A store that keeps what it is given, and fails while `failing` is set. */
function fakeStores() {
  const added: UsageCount[][] = [];
  const uses: Array<[string, SecretUse]> = [];
  const state = { failing: false };
  return {
    added,
    uses,
    state,
    usage: {
      async add(counts: readonly UsageCount[]) {
        if (state.failing) throw new Error('database away');
        added.push([...counts]);
      },
      daysOf: async () => [],
      deleteBefore: async () => 0,
    },
    secrets: {
      async recordSecretUse(secretId: string, use: SecretUse) {
        uses.push([secretId, use]);
      },
    },
  };
}

describe('ClientUsage', () => {
  it('adds up requests in memory and writes one count per client and UTC day per flush', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 23, 59, 59));
    const stores = fakeStores();
    const usage = new ClientUsage({ usage: stores.usage, secrets: stores.secrets, clock });
    usage.granted('a', 's1', '10.0.0.1', 'first');
    usage.granted('a', 's1', '10.0.0.2', 'second');
    usage.refused('a');
    usage.refused('b');
    clock.advance(1); // the next UTC day
    usage.granted('a', 's2', null, 'x'.repeat(2000));
    expect(usage.pending).toEqual({ days: 3, secrets: 2 });

    await usage.flush();
    expect(stores.added).toEqual([
      [
        { clientId: 'a', day: '2026-01-01', granted: 2, refused: 1 },
        { clientId: 'b', day: '2026-01-01', granted: 0, refused: 1 },
        { clientId: 'a', day: '2026-01-02', granted: 1, refused: 0 },
      ],
    ]);
    expect(stores.uses.map(([id, use]) => [id, use.ip, use.userAgent?.length])).toEqual([
      ['s1', '10.0.0.2', 6],
      ['s2', null, 512],
    ]);
    expect(usage.pending).toEqual({ days: 0, secrets: 0 });
    await usage.flush();
    expect(stores.added).toHaveLength(1);
  });

  it('keeps the counts of a failed flush for the next one, under those counted meanwhile', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const stores = fakeStores();
    const usage = new ClientUsage({ usage: stores.usage, secrets: stores.secrets, clock });
    usage.granted('a', 's1', null, null);
    stores.state.failing = true;
    await expect(usage.flush()).rejects.toThrow('database away');
    usage.granted('a', 's1', null, null);
    usage.refused('a');
    stores.state.failing = false;
    await usage.flush();
    expect(stores.added).toEqual([[{ clientId: 'a', day: '2026-01-01', granted: 2, refused: 1 }]]);
    expect(stores.uses).toHaveLength(1);
  });

  it('runs flushes one after another: a flush includes everything counted before it was asked for', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const stores = fakeStores();
    const usage = new ClientUsage({ usage: stores.usage, secrets: stores.secrets, clock });
    usage.refused('a');
    const first = usage.flush();
    usage.refused('a');
    const second = usage.flush();
    await Promise.all([first, second]);
    expect(stores.added.flat().reduce((sum, c) => sum + c.refused, 0)).toBe(2);
  });
});
