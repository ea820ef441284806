import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { type Dialect, migrateToLatest } from '../../src/storage/database.js';
import type { Database } from '../../src/storage/schema.js';
import { describeEachDialect, type FreshDatabase, freshDatabase } from '../helpers/databases.js';

/**
 * Test databases are copies of a per-worker migrated template (helpers/sqlite-template.ts,
 * helpers/postgres-template.ts). A copy must be exactly what the migrations make, and its own.
 */
describeEachDialect('a fresh test database', (dialect) => {
  const opened: FreshDatabase[] = [];
  const fresh = async (options?: { migrate?: boolean }) => {
    const database = await freshDatabase(dialect, options);
    opened.push(database);
    return database;
  };
  afterEach(async () => {
    for (const database of opened.splice(0)) await database.dispose();
  });

  it('has the schema and migration history that running the migrations gives', async () => {
    const copy = await fresh();
    const migrated = await fresh({ migrate: false });
    await migrateToLatest(migrated.handle.db, migrated.handle.schema);

    const copied = await describeSchema(dialect, copy);
    expect(copied.tables.length).toBeGreaterThan(10);
    expect(copied).toEqual(await describeSchema(dialect, migrated));
    expect(await migrateToLatest(copy.handle.db, copy.handle.schema)).toEqual([]);
  });

  it('is empty, and writes to one database stay in it', async () => {
    const first = await fresh();
    const second = await fresh();
    await first.handle.db.insertInto('audit_events').values(event('a')).execute();
    await first.handle.db.insertInto('audit_events').values(event('b')).execute();
    await second.handle.db.insertInto('audit_events').values(event('c')).execute();

    expect(await seqs(first.handle.db)).toEqual([
      { seq: 1, id: 'a' },
      { seq: 2, id: 'b' },
    ]);
    expect(await seqs(second.handle.db)).toEqual([{ seq: 1, id: 'c' }]);
    expect(await first.handle.db.selectFrom('users').select('id').execute()).toEqual([]);
  });

  // PostgreSQL hands a disposed copy to the next test, emptied (helpers/postgres-template.ts).
  it('a disposed one comes back empty, as migrated, its sequences restarted', async () => {
    const used = await fresh();
    await used.handle.db
      .insertInto('audit_events')
      .values([event('a'), event('b')])
      .execute();
    await used.dispose();

    const next = await fresh();
    if (dialect === 'postgres') expect(next.handle.schema).toBe(used.handle.schema);
    expect(await seqs(next.handle.db)).toEqual([]);
    await next.handle.db.insertInto('audit_events').values(event('c')).execute();
    expect(await seqs(next.handle.db)).toEqual([{ seq: 1, id: 'c' }]);
    const migrated = await fresh({ migrate: false });
    await migrateToLatest(migrated.handle.db, migrated.handle.schema);
    expect(await describeSchema(dialect, next)).toEqual(await describeSchema(dialect, migrated));
  });

  it('a disposed one is not handed on while another test holds a database', async () => {
    const used = await fresh();
    await fresh();
    await used.dispose();
    const next = await fresh();
    expect(next.handle.schema === undefined || next.handle.schema !== used.handle.schema).toBe(true);
  });

  it.skipIf(dialect !== 'postgres')(
    'a disposed one that another connection still reaches is not handed on',
    async () => {
      const used = await fresh();
      // As a child process or another server still running would be.
      const other = new pg.Client({ connectionString: used.url });
      await other.connect();
      try {
        await used.dispose();
      } finally {
        await other.end();
      }
      const next = await fresh();
      expect(next.handle.schema).not.toBe(used.handle.schema);
    },
  );

  it('without migrations is empty of tables', async () => {
    const empty = await fresh({ migrate: false });
    expect((await describeSchema(dialect, empty)).tables).toEqual([]);
  });
});

function event(id: string) {
  return {
    id,
    occurred_at: 1,
    type: 'test',
    outcome: 'success',
    actor: null,
    subject: null,
    client_id: null,
    ip: null,
    user_agent: null,
    details: '{}',
  };
}

async function seqs(db: Kysely<Database>) {
  return (await db.selectFrom('audit_events').select(['seq', 'id']).orderBy('seq').execute()).map((r) => ({
    seq: Number(r.seq),
    id: r.id,
  }));
}

interface SchemaDescription {
  readonly tables: unknown[];
  readonly constraints: unknown[];
  readonly indexes: unknown[];
  readonly migrations: unknown[];
}

/** Tables with their columns, constraints, indexes and applied migrations, in a stable order. */
async function describeSchema(dialect: Dialect, database: FreshDatabase): Promise<SchemaDescription> {
  const db = database.handle.db;
  const schema = database.handle.schema ?? 'public';
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ type: string; name: string; sql: string | null }>`
      select type, name, sql from sqlite_master where name not like 'sqlite_%' order by type, name`.execute(
      db,
    );
    return {
      tables: rows.filter((r) => r.type === 'table'),
      constraints: [],
      indexes: rows.filter((r) => r.type !== 'table'),
      migrations: await migrationNames(db, rows.length > 0),
    };
  }
  const tables = await sql`
    select table_name, column_name, ordinal_position, data_type, is_nullable, column_default,
           is_identity, identity_generation
      from information_schema.columns where table_schema = ${schema}
     order by table_name, ordinal_position`.execute(db);
  // Definitions name other tables without a schema when they are on the search path, as here.
  const constraints = await sql`
    select c.relname as table, k.conname as name, k.contype as type, pg_get_constraintdef(k.oid) as definition
      from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = ${schema} order by c.relname, k.conname`.execute(db);
  const indexes = await sql<{ name: string; table: string; definition: string }>`
    select indexname as name, tablename as table, indexdef as definition
      from pg_indexes where schemaname = ${schema} order by indexname`.execute(db);
  return {
    tables: tables.rows,
    constraints: constraints.rows,
    indexes: indexes.rows.map((i) => ({ ...i, definition: i.definition.replace(` ON ${schema}.`, ' ON ') })),
    migrations: await migrationNames(db, tables.rows.length > 0),
  };
}

async function migrationNames(db: Kysely<Database>, migrated: boolean): Promise<unknown[]> {
  if (!migrated) return [];
  const names = await sql`select name from kysely_migration order by name`.execute(db);
  const lock = await sql`select id, is_locked from kysely_migration_lock`.execute(db);
  return [...names.rows, ...lock.rows];
}
