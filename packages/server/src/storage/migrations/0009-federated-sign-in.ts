import type { Kysely } from 'kysely';

/*
 * Frozen. Federated sign-in (issue 18):
 * - identity_providers: upstream OpenID providers (issuer, client id, the client secret encrypted
 *   under the master secret, claim mapping, provisioning and linking switches); lists are JSON text;
 * - federated_identities: an upstream identity (issuer, subject) linked to one account; an account
 *   may hold several. Keyed by issuer, not by provider row, so deleting and re-adding a provider
 *   keeps the links; removed with the account;
 * - id_token_uses: the hash of each accepted upstream id_token (or of its issuer and jti) until it
 *   expires, so that every instance refuses it the second time;
 * - federated_sign_ins: a browser's trip to an upstream provider in progress, under the hash of its
 *   `state`, with the nonce and PKCE verifier it was sent with, bound to the browser and to the
 *   interaction (the authorization request) it resumes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('identity_providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('username_claim', 'text', (c) => c.notNull())
    .addColumn('groups_claim', 'text')
    .addColumn('group_map', 'text', (c) => c.notNull())
    .addColumn('allowed_domains', 'text', (c) => c.notNull())
    .addColumn('provisioning', 'integer', (c) => c.notNull())
    .addColumn('link_by_email', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('identity_providers_issuer_client_unique', ['issuer', 'client_id'])
    .execute();

  await db.schema
    .createTable('federated_identities')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider_id', 'text')
    .addColumn('email', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_sign_in_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('federated_identities_pk', ['issuer', 'subject'])
    .execute();
  await db.schema
    .createIndex('federated_identities_user_idx')
    .on('federated_identities')
    .column('user_id')
    .execute();

  await db.schema
    .createTable('id_token_uses')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('id_token_uses_expiry_idx').on('id_token_uses').column('expires_at').execute();

  await db.schema
    .createTable('federated_sign_ins')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('interaction', 'text', (c) => c.notNull())
    .addColumn('browser_binding', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('federated_sign_ins_expiry_idx')
    .on('federated_sign_ins')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('federated_sign_ins_expiry_idx').execute();
  await db.schema.dropTable('federated_sign_ins').execute();
  await db.schema.dropIndex('id_token_uses_expiry_idx').execute();
  await db.schema.dropTable('id_token_uses').execute();
  await db.schema.dropIndex('federated_identities_user_idx').execute();
  await db.schema.dropTable('federated_identities').execute();
  await db.schema.dropTable('identity_providers').execute();
}
