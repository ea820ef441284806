import type { Kysely } from 'kysely';

/*
 * Frozen. Interactions: an authorization request in progress through sign-in and consent, kept
 * server-side under the hash of an opaque id (the browser carries only the id), bound to the
 * browser that started it by the hash of a browser key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('interactions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('browser_binding', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('login_session_id', 'text')
    .addColumn('consented_user_id', 'text')
    .execute();
  await db.schema.createIndex('interactions_expiry_idx').on('interactions').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('interactions_expiry_idx').execute();
  await db.schema.dropTable('interactions').execute();
}
