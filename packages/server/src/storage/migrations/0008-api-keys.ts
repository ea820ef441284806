import type { Kysely } from 'kysely';

/*
 * Frozen. API keys as a product (issue 16):
 * - clients.kind: 'personal' or 'api_key' for the clients users make themselves, null for those an
 *   administrator registers;
 * - scopes.restricted: 0/1, a scope only an administrator may put on a client;
 * - the last use of each client secret (time, address, user agent), written in batches;
 * - client_usage: token requests per client per UTC day ('YYYY-MM-DD'), granted and refused, added
 *   to in batches by an upsert. No foreign key: a batch may name a client deleted meanwhile, and
 *   the rows age out with the usage retention.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').addColumn('kind', 'text').execute();
  await db.schema
    .alterTable('scopes')
    .addColumn('restricted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('client_secrets').addColumn('last_used_at', 'bigint').execute();
  await db.schema.alterTable('client_secrets').addColumn('last_used_ip', 'text').execute();
  await db.schema.alterTable('client_secrets').addColumn('last_used_user_agent', 'text').execute();
  await db.schema
    .createTable('client_usage')
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('granted', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('refused', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('client_usage_pk', ['client_id', 'day'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('client_usage').execute();
  for (const column of ['last_used_user_agent', 'last_used_ip', 'last_used_at']) {
    await db.schema.alterTable('client_secrets').dropColumn(column).execute();
  }
  await db.schema.alterTable('scopes').dropColumn('restricted').execute();
  await db.schema.alterTable('clients').dropColumn('kind').execute();
}
