import { describe, expect, it } from 'vitest';
import {
  HashSlots,
  hashPassword,
  PasswordQueueFull,
  passwordNeedsRehash,
  verifyPassword,
} from './password-hash.js';

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
    const slots = new HashSlots(1);
    const started: string[] = [];
    const finish = new Map<string, () => void>();
    const check = (name: string, key: string) =>
      slots.run(
        () =>
          new Promise<void>((resolve) => {
            started.push(name);
            finish.set(name, resolve);
          }),
        { maxWaiting: 8, key },
      );
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    // The core busy with the flood, which then queues its share (half of 8) and no more.
    const flood = ['f0', 'f1', 'f2', 'f3', 'f4'].map((name) => check(name, 'flood'));
    await expect(check('f5', 'flood')).rejects.toBeInstanceOf(PasswordQueueFull);
    const other = check('o', 'someone else');
    // Each freed core goes to the asker that has waited longest since it was last served.
    for (const name of ['f0', 'f1', 'o', 'f2', 'f3', 'f4']) {
      await nextTurn();
      expect(started.at(-1)).toBe(name);
      finish.get(name)?.();
    }
    await Promise.all([...flood, other]);
    expect(started).toEqual(['f0', 'f1', 'o', 'f2', 'f3', 'f4']);
  });
});
