import type { Kysely } from 'kysely';
import type { Database } from '../../src/storage/schema.js';

const tables = [
  'users',
  'groups',
  'user_groups',
  'permissions',
  'user_permissions',
  'clients',
  'client_secrets',
  'scopes',
  'sessions',
  'refresh_tokens',
  'authorization_codes',
  'signing_keys',
  'revoked_tokens',
  'audit_events',
  'consents',
  'interactions',
] as const;

/** Every row of every table, so a test can assert that a refused request changed nothing. */
export async function databaseSnapshot(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = await db.selectFrom(table).selectAll().execute();
    snapshot[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return snapshot;
}
