import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { logThrottle } from './log-throttle.js';
import { DependencyUnavailable, describeUnavailable, isDependencyUnavailable } from './unavailable.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDependencyUnavailable', () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    '57P01',
    '57P02',
    '57P03',
    '57014',
    '08006',
    '08001',
    '53300',
    'SQLITE_BUSY',
    'SQLITE_BUSY_SNAPSHOT',
  ])('is true for %s', (code) => {
    expect(isDependencyUnavailable(withCode(code))).toBe(true);
  });

  it.each(['23505', '42P01', '22021', '40P01', 'SQLITE_CONSTRAINT_UNIQUE', 'ERR_INVALID_ARG_TYPE'])(
    'is false for %s (a bug or a refused write, not an outage)',
    (code) => {
      expect(isDependencyUnavailable(withCode(code))).toBe(false);
    },
  );

  it('is false for errors without a code, and for non-errors', () => {
    expect(isDependencyUnavailable(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isDependencyUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDependencyUnavailable(undefined)).toBe(false);
    expect(isDependencyUnavailable('ECONNREFUSED')).toBe(false);
  });

  it('finds the cause in a cause chain and in an AggregateError (dual-stack connect)', () => {
    expect(isDependencyUnavailable(new Error('wrapped', { cause: withCode('57P01') }))).toBe(true);
    expect(isDependencyUnavailable(new AggregateError([new Error('a'), withCode('ECONNREFUSED')]))).toBe(
      true,
    );
    expect(isDependencyUnavailable(new DependencyUnavailable('redis', 'no answer'))).toBe(true);
  });

  it('recognises the error better-sqlite3 gives when another connection holds the write lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-busy-'));
    const holder = new SQLite(join(dir, 'db.sqlite'));
    const waiter = new SQLite(join(dir, 'db.sqlite'));
    try {
      holder.exec('create table t (x integer)');
      waiter.pragma('busy_timeout = 0');
      holder.exec('begin immediate');
      let error: unknown;
      try {
        waiter.exec('insert into t values (1)');
      } catch (e) {
        error = e;
      }
      expect(isDependencyUnavailable(error)).toBe(true);
      holder.exec('rollback');
    } finally {
      holder.close();
      waiter.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('describes an unavailability by its dependency and message only', () => {
    expect(describeUnavailable(new DependencyUnavailable('database', 'no answer within 11000 ms'))).toEqual({
      dependency: 'database',
      reason: 'no answer within 11000 ms',
    });
    expect(
      describeUnavailable(new Error('outer', { cause: withCode('ECONNREFUSED', 'connect refused') })),
    ).toEqual({ reason: 'connect refused' });
  });
});

describe('logThrottle', () => {
  it('lets one line through per interval and counts the ones kept quiet', () => {
    let now = 0;
    const shouldLog = logThrottle(5000, () => now);
    expect(shouldLog()).toBe(0);
    expect(shouldLog()).toBeUndefined();
    now = 4999;
    expect(shouldLog()).toBeUndefined();
    now = 5000;
    expect(shouldLog()).toBe(2);
    now = 20_000;
    expect(shouldLog()).toBe(0);
  });
});
