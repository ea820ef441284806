import { describe, expect, it } from 'vitest';
import { isTransactionConflict, retryOnConflict, transactionAttempts } from './transaction.js';

const conflict = (code: string) => Object.assign(new Error('conflict'), { code });

describe('retryOnConflict', () => {
  it('runs a transaction again after a deadlock or serialization failure, then answers', async () => {
    const failures = [conflict('40P01'), conflict('40001')];
    let calls = 0;
    const answer = await retryOnConflict(async () => {
      calls++;
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return 'committed';
    });
    expect(answer).toBe('committed');
    expect(calls).toBe(3);
  });

  it('is bounded: the conflict of the last attempt is thrown as it came', async () => {
    let calls = 0;
    const last = conflict('40P01');
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw last;
      }),
    ).rejects.toBe(last);
    expect(calls).toBe(transactionAttempts);
  });

  it('never retries another error', async () => {
    let calls = 0;
    const unique = conflict('23505');
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw unique;
      }),
    ).rejects.toBe(unique);
    expect(calls).toBe(1);
  });

  it('recognises a conflict wrapped as a cause, and nothing else', () => {
    expect(isTransactionConflict(new Error('wrapped', { cause: conflict('40P01') }))).toBe(true);
    expect(isTransactionConflict(conflict('57014'))).toBe(false);
    expect(isTransactionConflict('40P01')).toBe(false);
    expect(isTransactionConflict(undefined)).toBe(false);
  });
});
