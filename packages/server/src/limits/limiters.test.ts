import { describe, expect, it } from 'vitest';
import { Limiters } from './limiters.js';

const limiters = () => new Limiters({ keyPrefix: 'test:', redisFailure: 'local', onRedisFailure: () => {} });

describe('limit windows', () => {
  it('requests counted together in one turn each get their own place in the count', async () => {
    const window = limiters().window('token', 10, 60);
    const decisions = await Promise.all(Array.from({ length: 25 }, () => window.consume('client:a')));
    expect(decisions.map((d) => d.count)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions[9]).toMatchObject({ allowed: true, remaining: 0 });
    expect(decisions[10]).toMatchObject({ allowed: false, remaining: 0 });
    // A later turn goes on from there; another key has its own count.
    expect((await window.consume('client:a')).count).toBe(26);
    expect(await window.consume('client:b')).toMatchObject({ allowed: true, count: 1, remaining: 9 });
  });
});
