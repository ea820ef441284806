import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../../src/storage/database.js';

/**
 * Fresh PostgreSQL schemas for tests, cheaply. Each test worker gets a database of its own, and
 * in it a template schema migrated once; a test then gets a copy of that schema, made by one
 * script in one round trip. Measured on 2 cores: a copy takes about 110 ms, running the
 * migrations 140–280 ms (Kysely's migrator takes a lock and reads the catalog around its many
 * statements), and a CREATE DATABASE … TEMPLATE copy about 270 ms with its drop.
 * test/storage/fresh-database.test.ts checks that a copy matches a migrated schema exactly.
 *
 * A copy a test has finished with is emptied and handed to the next test instead of being
 * dropped: deleting the few rows a test writes and restarting the sequences takes a few
 * milliseconds, a new copy and a drop about 150 (PostgreSQL's catalog work, on the same cores as
 * the tests). It is reused only when nothing can still write to it (no other test of the worker
 * holds a schema, and no connection to the worker's database is left) and its tables, columns,
 * constraints and indexes are those it was made with; otherwise it is dropped, as before, once
 * no test running at the same time holds a schema. fresh-database.test.ts checks that a reused
 * schema is empty and the same as a migrated one.
 *
 * One database per worker also keeps PostgreSQL catalog queries (Kysely's migrator runs one)
 * from failing when another worker drops a schema mid-query. The databases are dropped by
 * test/global-setup.ts.
 */
export interface PostgresWorker {
  /** The worker's own database. */
  readonly url: string;
  /** A schema holding an empty migrated database: one a finished test handed back, or a new copy of the template. */
  migratedSchema(): Promise<string>;
  /** A new schema without tables. */
  emptySchema(): Promise<string>;
  /** Takes back a schema from migratedSchema() or emptySchema() once the test's connections to it are closed. */
  release(schema: string): Promise<void>;
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
  const cloneTemplate = await cloneScript(pool);
  const emptyingScript = await emptyingStatements(pool);
  /** Schemas handed back emptied, ready for the next test. */
  const emptied: string[] = [];
  /** Schemas a test holds now. */
  const inUse = new Set<string>();
  /** Tests holding a schema or about to get one: while there are any, nothing is dropped (see release). */
  let holders = 0;
  /** Schemas handed back while other tests held theirs: dropped by the next release that finds none held. */
  const leftBehind: string[] = [];
  /** The drop in progress: a test gets its schema, and then reads the catalog, only after it. */
  let dropping: Promise<void> = Promise.resolve();
  /** What each schema made here held when it was made (see shapeOf). */
  const shapes = new Map<string, string>();

  /** Runs `script` in one transaction (creating `schema` first when told) with `schema` first on the search path. */
  const inSchema = async (schema: string, script: string, options: { create?: boolean } = {}) => {
    const create = options.create === true ? `create schema ${schema};` : '';
    try {
      await query(`begin; ${create} set local search_path to ${schema}; ${script} commit;`);
    } catch (error) {
      // A failed statement leaves the transaction open; the pooled connection must not keep it.
      await query('rollback');
      throw error;
    }
  };
  /**
   * Whether every other connection to the worker's database (a test's server, CLI or child
   * process still using a schema) has ended, waiting a little: a backend outlives the client that
   * closed it by a few milliseconds.
   */
  const othersGone = async () => {
    for (const deadline = Date.now() + 250; ; await sleep(10)) {
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()`,
      );
      if (rows[0]?.n === 0) return true;
      if (Date.now() > deadline) return false;
    }
  };
  const shapeOf = async (schema: string) => JSON.stringify((await pool.query(shapeQuery, [schema])).rows[0]);
  /** Drops the schemas left behind, in one statement; a test gets a schema only after it. */
  const dropLeftBehind = async () => {
    const schemas = leftBehind.splice(0);
    if (schemas.length === 0) return;
    for (const schema of schemas) shapes.delete(schema);
    const drop = query(`drop schema if exists ${schemas.join(', ')} cascade`);
    dropping = drop.catch(() => undefined);
    await drop;
  };
  /** A schema for a test, counted as held from the call on, and handed out only after a drop in progress. */
  const held = async (get: () => Promise<string>) => {
    holders += 1;
    try {
      await dropping;
      const schema = await get();
      inUse.add(schema);
      return schema;
    } catch (error) {
      holders -= 1;
      throw error;
    }
  };

  return {
    url: url.href,
    async migratedSchema() {
      return held(async () => {
        const reused = emptied.pop();
        if (reused !== undefined) return reused;
        const schema = newSchemaName();
        await inSchema(schema, cloneTemplate, { create: true });
        shapes.set(schema, await shapeOf(schema));
        return schema;
      });
    },
    async emptySchema() {
      return held(async () => {
        const schema = newSchemaName();
        await query(`create schema ${schema}`);
        return schema;
      });
    },
    async release(schema) {
      // Once only: a second release would hand the schema to two tests.
      if (!inUse.delete(schema)) return;
      holders -= 1;
      // With other tests of this worker running (at the same time), a drop could break a catalog
      // query of theirs (Kysely's migrator reads the whole catalog), and their connections hide
      // whether anything still writes to this schema: it is left behind, to be dropped once no
      // test holds a schema. Checked again after each wait, since one may start meanwhile.
      const alone = () => holders === 0;
      const reusable =
        alone() &&
        shapes.has(schema) &&
        (await othersGone()) &&
        (await shapeOf(schema)) === shapes.get(schema);
      if (!reusable || !alone()) leftBehind.push(schema);
      if (!alone()) return;
      await dropLeftBehind();
      if (reusable) {
        await inSchema(schema, emptyingScript);
        emptied.push(schema);
      }
    },
  };
}

/** How many relations, columns, constraints and functions a schema holds: a DDL statement changes one of them. */
const shapeQuery = `
  select
    (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1) as relations,
    (select count(*) from pg_attribute a join pg_class c on c.oid = a.attrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and a.attnum > 0 and not a.attisdropped) as columns,
    (select count(*) from pg_constraint k join pg_namespace n on n.oid = k.connamespace where n.nspname = $1) as constraints,
    (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $1) as functions`;

/**
 * The statements that take a copy of the template back to what it was made as: every row
 * deleted (referencing tables first), the template's rows (the migration history) put back, and
 * the identity sequences restarted, as a new copy has them.
 */
async function emptyingStatements(pool: pg.Pool): Promise<string> {
  const tables = await pool.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind = 'r' order by c.relname`,
    [templateSchema],
  );
  const references = await pool.query<{ table: string; referenced: string }>(
    `select c.relname as table, r.relname as referenced
       from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class r on r.oid = k.confrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and k.contype = 'f' and c.oid <> r.oid`,
    [templateSchema],
  );
  const identities = await pool.query<{ table: string; column: string; start: string }>(
    `select table_name as table, column_name as column, identity_start as start
       from information_schema.columns where table_schema = $1 and is_identity = 'YES'`,
    [templateSchema],
  );
  const rowsIn = new Set<string>();
  for (const { name } of tables.rows) {
    const { rows } = await pool.query(`select 1 from ${templateSchema}.${ident(name)} limit 1`);
    if (rows.length > 0) rowsIn.add(name);
  }
  // Referencing tables before the tables they reference.
  const left = new Set(tables.rows.map((t) => t.name));
  const order: string[] = [];
  while (left.size > 0) {
    const unreferenced = [...left].filter(
      (table) => !references.rows.some((r) => r.referenced === table && left.has(r.table)),
    );
    if (unreferenced.length === 0) throw new Error('the template has a cycle of foreign keys');
    for (const table of unreferenced) {
      order.push(table);
      left.delete(table);
    }
  }
  const from = (table: string) => `${templateSchema}.${ident(table)}`;
  return [
    ...order.map((table) => `delete from ${ident(table)};`),
    ...[...rowsIn].map(
      (table) => `insert into ${ident(table)} overriding system value select * from ${from(table)};`,
    ),
    ...identities.rows.map(({ table, column, start }) => {
      const sequence = `pg_get_serial_sequence('${ident(table)}', '${column}')`;
      return rowsIn.has(table)
        ? `select setval(${sequence}, (select max(${ident(column)}) from ${ident(table)}));`
        : `select setval(${sequence}, ${Number(start)}, false);`;
    }),
  ].join('\n');
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

const newSchemaName = () => `t_${Math.random().toString(36).slice(2, 12)}`;
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
