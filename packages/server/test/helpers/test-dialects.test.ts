import { describe, expect, it } from 'vitest';
import { selectedDialects } from './test-dialects.js';

const pg = { TESSERA_TEST_POSTGRES_URL: 'postgres://localhost/test' };

describe('TESSERA_TEST_DIALECTS', () => {
  it('runs every dialect when unset or empty, in CI too', () => {
    expect([...selectedDialects({}, false)]).toEqual(['sqlite', 'postgres']);
    expect([...selectedDialects({ TESSERA_TEST_DIALECTS: ' ' }, true)]).toEqual(['sqlite', 'postgres']);
  });

  it('narrows a local run to the dialects it names', () => {
    expect([...selectedDialects({ TESSERA_TEST_DIALECTS: 'sqlite' }, false)]).toEqual(['sqlite']);
    expect([...selectedDialects({ ...pg, TESSERA_TEST_DIALECTS: 'Postgres' }, false)]).toEqual(['postgres']);
    expect([...selectedDialects({ ...pg, TESSERA_TEST_DIALECTS: 'sqlite, postgres' }, true)]).toEqual([
      'sqlite',
      'postgres',
    ]);
  });

  it('is refused in CI when it leaves a dialect out', () => {
    expect(() => selectedDialects({ TESSERA_TEST_DIALECTS: 'sqlite' }, true)).toThrow(
      'TESSERA_TEST_DIALECTS leaves out postgres; CI runs every dialect',
    );
  });

  it('refuses an unknown dialect, and postgres without its URL', () => {
    expect(() => selectedDialects({ TESSERA_TEST_DIALECTS: 'mysql' }, false)).toThrow(
      "TESSERA_TEST_DIALECTS: 'mysql' is not one of sqlite, postgres",
    );
    expect(() => selectedDialects({ TESSERA_TEST_DIALECTS: 'postgres' }, false)).toThrow(
      'TESSERA_TEST_DIALECTS names postgres, but TESSERA_TEST_POSTGRES_URL is not set',
    );
  });
});
