import type { Kysely } from 'kysely';

/*
 * Frozen. Facts about this installation that the server records for the CLI, one row each; the first
 * is `issuer`: the issuer the server last served under, so that tokens minted by the CLI carry it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('instance_settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('instance_settings').execute();
}
