import type { Kysely } from 'kysely';

/*
 * Frozen. The introspection permission (RFC 7662 §4): a client with it (a resource server) may
 * introspect any token; any other client only the tokens issued to it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('clients')
    .addColumn('introspection', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('introspection').execute();
}
