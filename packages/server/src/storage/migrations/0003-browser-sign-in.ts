import type { Kysely } from 'kysely';

/*
 * Frozen. Browser sign-in: remembered consents, and on each authorization code the session its
 * exchange opened (so a second use of the code can revoke it) and the `claims` request.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('consents')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('consents_pk', ['user_id', 'client_id'])
    .execute();
  await db.schema.alterTable('authorization_codes').addColumn('issued_session_id', 'text').execute();
  await db.schema.alterTable('authorization_codes').addColumn('claims', 'text').execute();
  await db.schema
    .alterTable('authorization_codes')
    .addColumn('amr', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .createIndex('authorization_codes_expiry_idx')
    .on('authorization_codes')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('authorization_codes_expiry_idx').execute();
  for (const column of ['amr', 'claims', 'issued_session_id']) {
    await db.schema.alterTable('authorization_codes').dropColumn(column).execute();
  }
  await db.schema.dropTable('consents').execute();
}
