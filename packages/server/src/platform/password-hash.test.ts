import { describe, expect, it } from 'vitest';
import { hashPassword, passwordNeedsRehash, verifyPassword } from './password-hash.js';

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
});
