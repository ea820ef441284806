import type { Dialect } from '../../src/storage/database.js';

const allDialects: readonly Dialect[] = ['sqlite', 'postgres'];

/** CI=true (or any value but '', '0' and 'false'). */
export function isCi(env: Record<string, string | undefined>): boolean {
  return !['', '0', 'false', undefined].includes(env.CI);
}

/**
 * The dialects whose suites run: all of them, or those TESSERA_TEST_DIALECTS names (comma
 * separated), so a local run can skip one. CI runs every dialect, so there a list that leaves
 * one out is refused.
 */
export function selectedDialects(env: Record<string, string | undefined>, inCi: boolean): Set<Dialect> {
  const raw = (env.TESSERA_TEST_DIALECTS ?? '').trim();
  if (raw === '') return new Set(allDialects);
  const named = raw.split(',').map((d) => d.trim().toLowerCase());
  for (const name of named) {
    if (!allDialects.includes(name as Dialect))
      throw new Error(`TESSERA_TEST_DIALECTS: '${name}' is not one of ${allDialects.join(', ')}`);
  }
  const selected = new Set(named as Dialect[]);
  if (selected.has('postgres') && (env.TESSERA_TEST_POSTGRES_URL ?? '') === '')
    throw new Error('TESSERA_TEST_DIALECTS names postgres, but TESSERA_TEST_POSTGRES_URL is not set');
  const left = allDialects.filter((d) => !selected.has(d));
  if (inCi && left.length > 0)
    throw new Error(`TESSERA_TEST_DIALECTS leaves out ${left.join(', ')}; CI runs every dialect`);
  return selected;
}
