import { Migrator } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/storage/database.js';
import { migrations } from '../../src/storage/migrations/index.js';
import { describeEachDialect, type FreshDatabase, freshDatabase } from '../helpers/databases.js';

const federationTables = [
  'federated_identities',
  'federated_sign_ins',
  'id_token_uses',
  'identity_providers',
];

/** Migration 0009 (federated sign-in) goes up and down cleanly on each dialect (STYLE C13). */
describeEachDialect('migration 0009-federated-sign-in', (dialect) => {
  let fresh: FreshDatabase;
  beforeEach(async () => {
    fresh = await freshDatabase(dialect, { migrate: false });
  });
  afterEach(() => fresh.dispose());

  async function tables(): Promise<string[]> {
    const all = await fresh.handle.db.introspection.getTables();
    // PostgreSQL: this test's schema only (other tests' schemas share the database).
    const schema = fresh.handle.schema;
    return all
      .filter((t) => schema === undefined || t.schema === schema)
      .map((t) => t.name)
      .filter((name) => federationTables.includes(name))
      .sort();
  }

  it('creates its four tables, drops them going down, and creates them again', async () => {
    const { db, schema } = fresh.handle;
    await migrateToLatest(db, schema);
    expect(await tables()).toEqual(federationTables);

    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      ...(schema === undefined ? {} : { migrationTableSchema: schema }),
    });
    const down = await migrator.migrateDown();
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => r.migrationName)).toEqual(['0009-federated-sign-in']);
    expect(await tables()).toEqual([]);

    expect(await migrateToLatest(db, schema)).toEqual(['0009-federated-sign-in']);
    expect(await tables()).toEqual(federationTables);
  });
});
