import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { hashPassword, PasswordQueueFull, passwordNeedsRehash, verifyPassword } from './password-hash.js';

describe('password hashing', () => {
  it('argon2id with the OWASP parameters, verified in any number of concurrent calls', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(passwordNeedsRehash(hash)).toBe(false);
    // More calls than hash slots: they queue and every one gets its own answer.
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        verifyPassword(hash, i % 3 === 0 ? 'wrong password' : 'correct horse battery staple'),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 12 }, (_, i) => i % 3 !== 0));
  });

  it('a malformed stored hash is a refusal, and it gives its slot back', async () => {
    const broken = await Promise.all(Array.from({ length: 6 }, () => verifyPassword('not-a-hash', 'x')));
    expect(broken).toEqual(Array.from({ length: 6 }, () => false));
    const hash = await hashPassword('still works');
    expect(await verifyPassword(hash, 'still works')).toBe(true);
  });

  it('one address holds at most half of the waiting places, and others are served in turn with it', async () => {
    const hash = await hashPassword('correct horse battery staple');
    const bound = (key: string) => ({ maxWaiting: 8, key });
    const finished: string[] = [];
    const check = (key: string, password = 'x') =>
      verifyPassword(hash, password, bound(key)).then((valid) => {
        finished.push(key);
        return valid;
      });
    // Every core busy (started first, in call order), then the flood's address queues its share.
    const cores = availableParallelism();
    const busy = Array.from({ length: cores }, () => check('flood'));
    const queued = Array.from({ length: 4 }, () => check('flood'));
    const overShare = check('flood');
    const other = check('someone else', 'correct horse battery staple');
    await expect(overShare).rejects.toBeInstanceOf(PasswordQueueFull);
    expect(await other).toBe(true);
    expect(await Promise.all([...busy, ...queued])).toEqual([...busy, ...queued].map(() => false));
    // Served in turn with the flood, not after all of it: at most one queued flood check went first.
    const flooded = finished.slice(cores);
    expect(flooded.indexOf('someone else')).toBeLessThanOrEqual(1);
    // Its places given back, the address may queue again.
    const again = Array.from({ length: cores + 4 }, () => check('flood'));
    expect(await Promise.all(again)).toEqual(again.map(() => false));
  });
});
