import pg from 'pg';
import { migrateToLatest, openDatabase } from '../../src/storage/database.js';

/**
 * Fresh PostgreSQL schemas for tests, cheaply. Each test worker gets a database of its own, and
 * in it a template schema migrated once; every test then gets a copy of that schema, made by one
 * script in one round trip. Measured on 2 cores: a copy takes about 110 ms, running the
 * migrations 140–280 ms (Kysely's migrator takes a lock and reads the catalog around its many
 * statements), and a CREATE DATABASE … TEMPLATE copy about 270 ms with its drop.
 * test/storage/fresh-database.test.ts checks that a copy matches a migrated schema exactly.
 *
 * One database per worker also keeps PostgreSQL catalog queries (Kysely's migrator runs one)
 * from failing when another worker drops a schema mid-query. The databases are dropped by
 * test/global-setup.ts.
 */
export interface PostgresWorker {
  /** The worker's own database. */
  readonly url: string;
  /** Runs one statement (or script) on the worker's database. */
  query(text: string): Promise<void>;
  /** A new schema holding a copy of the migrated template. */
  cloneTemplate(schema: string): Promise<void>;
}

/** test/global-setup.ts drops the databases of workers that are gone by this prefix. */
const workerDatabasePrefix = 'tessera_w_';
const templateSchema = 'tessera_template';

let worker: Promise<PostgresWorker> | undefined;

export function postgresWorker(serverUrl: string): Promise<PostgresWorker> {
  worker ??= startWorker(serverUrl);
  return worker;
}

async function startWorker(serverUrl: string): Promise<PostgresWorker> {
  const name = `${workerDatabasePrefix}${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const server = new pg.Client({ connectionString: serverUrl });
  await server.connect();
  try {
    await server.query(`create database ${name}`);
  } finally {
    await server.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // One connection for the worker's life; idle, it does not keep the worker process alive.
  const pool = new pg.Pool({ connectionString: url.href, max: 1, allowExitOnIdle: true });
  const query = async (text: string) => {
    await pool.query(text);
  };

  await query(`create schema ${templateSchema}`);
  const template = openDatabase({ kind: 'postgres', url: url.href }, { postgresSchema: templateSchema });
  try {
    await migrateToLatest(template.db, templateSchema);
  } finally {
    await template.db.destroy();
  }
  const script = await cloneScript(pool);
  return {
    url: url.href,
    query,
    async cloneTemplate(schema) {
      try {
        await query(`begin; create schema ${schema}; set local search_path to ${schema}; ${script} commit;`);
      } catch (error) {
        // A failed statement leaves the transaction open; the pooled connection must not keep it.
        await query('rollback');
        throw error;
      }
    },
  };
}

/**
 * The statements that rebuild the template's tables, constraints, indexes and rows in the schema
 * first on the search path. Constraint and index names stay the same, so errors that name them
 * read the same as on a migrated schema.
 */
async function cloneScript(pool: pg.Pool): Promise<string> {
  const client = await pool.connect();
  try {
    // Unqualified names in the definitions below, for the template's own tables.
    await client.query(`set search_path to ${templateSchema}`);
    const tables = await client.query<{ name: string }>(
      `select c.relname as name
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind = 'r' order by c.relname`,
      [templateSchema],
    );
    const constraints = await client.query<{ table: string; name: string; definition: string }>(
      `select c.relname as table, k.conname as name, pg_get_constraintdef(k.oid) as definition
         from pg_constraint k join pg_class c on c.oid = k.conrelid
         join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and k.contype in ('p', 'u', 'x', 'f')
        order by k.contype = 'f', c.relname, k.conname`,
      [templateSchema],
    );
    // Indexes that no constraint owns; those that one does come with it.
    const indexes = await client.query<{ definition: string }>(
      `select pg_get_indexdef(i.indexrelid) as definition
         from pg_index i join pg_class c on c.oid = i.indrelid
         join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
        order by i.indexrelid`,
      [templateSchema],
    );
    const identities = await client.query<{ table: string; column: string }>(
      `select table_name as table, column_name as column from information_schema.columns
        where table_schema = $1 and is_identity = 'YES'`,
      [templateSchema],
    );
    const rowsIn = new Set<string>();
    for (const { name } of tables.rows) {
      const { rows } = await client.query(`select 1 from ${ident(name)} limit 1`);
      if (rows.length > 0) rowsIn.add(name);
    }
    const from = (table: string) => `${templateSchema}.${ident(table)}`;
    return [
      ...tables.rows.map(
        ({ name }) =>
          `create table ${ident(name)} (like ${from(name)} including defaults including identity including generated including constraints);`,
      ),
      ...constraints.rows.map(
        (k) => `alter table ${ident(k.table)} add constraint ${ident(k.name)} ${k.definition};`,
      ),
      ...indexes.rows.map(({ definition }) => `${definition.replace(` ON ${templateSchema}.`, ' ON ')};`),
      ...[...rowsIn].map(
        (table) => `insert into ${ident(table)} overriding system value select * from ${from(table)};`,
      ),
      ...identities.rows
        .filter(({ table }) => rowsIn.has(table))
        .map(
          ({ table, column }) =>
            `select setval(pg_get_serial_sequence('${ident(table)}', '${column}'), (select max(${ident(column)}) from ${ident(table)}));`,
        ),
    ].join('\n');
  } finally {
    await client.query('reset search_path');
    client.release();
  }
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
