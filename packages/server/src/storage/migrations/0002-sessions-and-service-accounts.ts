import type { Kysely } from 'kysely';

/*
 * Frozen. Session API and service accounts: the newest access token of a session (so a
 * superseded one can be recognised), where the session was opened, and the scopes a service
 * account may hold.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('sessions').addColumn('newest_access_jti', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('previous_access_jti', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('access_rotated_at', 'bigint').execute();
  await db.schema.alterTable('sessions').addColumn('ip', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('user_agent', 'text').execute();
  await db.schema.createIndex('sessions_expiry_idx').on('sessions').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sessions_expiry_idx').execute();
  for (const column of [
    'user_agent',
    'ip',
    'access_rotated_at',
    'previous_access_jti',
    'newest_access_jti',
  ]) {
    await db.schema.alterTable('sessions').dropColumn(column).execute();
  }
  await db.schema.alterTable('users').dropColumn('scopes').execute();
}
