import type { Kysely } from 'kysely';

/*
 * Frozen. A client's own rate limit: a named tier (TESSERA_RATE_LIMIT_TIERS) or a number of requests
 * per minute; both null means the configured default for each endpoint.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').addColumn('rate_limit_tier', 'text').execute();
  await db.schema.alterTable('clients').addColumn('rate_limit', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('rate_limit').execute();
  await db.schema.alterTable('clients').dropColumn('rate_limit_tier').execute();
}
