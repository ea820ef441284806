import type { Kysely } from 'kysely';
import type { Client, ClientSecret, ClientType, GrantType, IdTokenAlgorithm } from '../../clients/client.js';
import type { ClientStore } from '../../clients/stores.js';
import type { ClientRow, ClientSecretRow, Database, NewClientRow } from '../schema.js';
import { fromBool, fromJson, fromMs, fromMsOrNull, toBool, toJson, toMs, toMsOrNull } from './json.js';

export function clientRepository(db: Kysely<Database>): ClientStore {
  return {
    async insert(client) {
      await db.insertInto('clients').values(toRow(client)).execute();
    },
    async update(client) {
      const { id, created_at: _created, ...changes } = toRow(client);
      await db.updateTable('clients').set(changes).where('id', '=', id).execute();
    },
    async findById(id) {
      const row = await db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    async list() {
      const rows = await db.selectFrom('clients').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(fromRow);
    },
    async insertSecret(secret) {
      await db
        .insertInto('client_secrets')
        .values({
          id: secret.id,
          client_id: secret.clientId,
          secret_hash: secret.hash,
          created_at: toMs(secret.createdAt),
          expires_at: toMsOrNull(secret.expiresAt),
        })
        .execute();
    },
    async secretsOf(clientId) {
      const rows = await db
        .selectFrom('client_secrets')
        .selectAll()
        .where('client_id', '=', clientId)
        .orderBy('created_at')
        .execute();
      return rows.map(secretFromRow);
    },
    async expireSecrets(clientId, at, keepId) {
      await db
        .updateTable('client_secrets')
        .set({ expires_at: toMs(at) })
        .where('client_id', '=', clientId)
        .where('id', '!=', keepId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', toMs(at))]))
        .execute();
    },
  };
}

function toRow(client: Client): NewClientRow {
  return {
    id: client.id,
    name: client.name,
    type: client.type,
    grant_types: toJson(client.grantTypes),
    redirect_uris: toJson(client.redirectUris),
    post_logout_redirect_uris: toJson(client.postLogoutRedirectUris),
    scopes: toJson(client.scopes),
    owner_user_id: client.ownerUserId,
    access_token_ttl: client.accessTokenTtl,
    refresh_token_ttl: client.refreshTokenTtl,
    first_party: toBool(client.firstParty),
    introspection: toBool(client.introspection),
    rate_limit_tier: client.rateLimitTier,
    rate_limit: client.rateLimit,
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    created_at: toMs(client.createdAt),
    updated_at: toMs(client.updatedAt),
    revoked_at: toMsOrNull(client.revokedAt),
  };
}

function fromRow(row: ClientRow): Client {
  return {
    id: row.id,
    name: row.name,
    type: row.type as ClientType,
    grantTypes: fromJson<GrantType[]>(row.grant_types),
    redirectUris: fromJson<string[]>(row.redirect_uris),
    postLogoutRedirectUris: fromJson<string[]>(row.post_logout_redirect_uris),
    scopes: fromJson<string[]>(row.scopes),
    ownerUserId: row.owner_user_id,
    accessTokenTtl: row.access_token_ttl,
    refreshTokenTtl: row.refresh_token_ttl,
    firstParty: fromBool(row.first_party),
    introspection: fromBool(row.introspection),
    rateLimitTier: row.rate_limit_tier,
    rateLimit: row.rate_limit,
    idTokenSignedResponseAlg: row.id_token_signed_response_alg as IdTokenAlgorithm,
    createdAt: fromMs(row.created_at),
    updatedAt: fromMs(row.updated_at),
    revokedAt: fromMsOrNull(row.revoked_at),
  };
}

function secretFromRow(row: ClientSecretRow): ClientSecret {
  return {
    id: row.id,
    clientId: row.client_id,
    hash: row.secret_hash,
    createdAt: fromMs(row.created_at),
    expiresAt: fromMsOrNull(row.expires_at),
  };
}
