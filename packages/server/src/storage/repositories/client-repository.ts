import { type Kysely, sql } from 'kysely';
import type {
  Client,
  ClientKind,
  ClientSecret,
  ClientType,
  GrantType,
  IdTokenAlgorithm,
} from '../../clients/client.js';
import type { ClientStore } from '../../clients/stores.js';
import type { ClientRow, ClientSecretRow, Database, NewClientRow } from '../schema.js';
import { fromBool, fromJson, fromMs, fromMsOrNull, toBool, toJson, toMs, toMsOrNull } from './json.js';
import { locksRows } from './row-locks.js';

export function clientRepository(db: Kysely<Database>): ClientStore {
  const rowLocks = locksRows(db);
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
    async findWithOwnerState(id) {
      const row = await db
        .selectFrom('clients')
        .leftJoin('users', 'users.id', 'clients.owner_user_id')
        .selectAll('clients')
        .select('users.disabled as owner_disabled')
        .where('clients.id', '=', id)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const { owner_disabled, ...client } = row;
      // No owner (an administrator's client) or none left (deleted: the client went with them).
      return { client: fromRow(client), ownerDisabled: owner_disabled !== null && fromBool(owner_disabled) };
    },
    async lock(id) {
      const query = db.selectFrom('clients').selectAll().where('id', '=', id);
      // `no key update`: rows that reference the client (sessions, codes) can still be inserted meanwhile.
      const row = await (rowLocks ? query.forNoKeyUpdate() : query).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    async list() {
      const rows = await db.selectFrom('clients').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(fromRow);
    },
    async listOwnedBy(userId) {
      const rows = await db
        .selectFrom('clients')
        .selectAll()
        .where('owner_user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
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
    async endSecret(secretId, at) {
      await db
        .updateTable('client_secrets')
        .set({ expires_at: toMs(at) })
        .where('id', '=', secretId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', toMs(at))]))
        .execute();
    },
    async recordSecretUse(secretId, use) {
      // Only ever forward: batches from several instances may arrive out of order.
      await db
        .updateTable('client_secrets')
        .set({
          last_used_at: toMs(use.at),
          last_used_ip: use.ip,
          last_used_user_agent: use.userAgent,
        })
        .where('id', '=', secretId)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', toMs(use.at))]))
        .execute();
    },
    async page({ search, ownerUserId, kind, after, limit }) {
      let query = db.selectFrom('clients').selectAll();
      if (ownerUserId !== undefined) query = query.where('owner_user_id', '=', ownerUserId);
      if (kind !== undefined) query = query.where('kind', kind === null ? 'is' : '=', kind);
      if (after !== undefined) {
        const at = toMs(after.createdAt);
        query = query.where((eb) =>
          eb.or([eb('created_at', '>', at), eb.and([eb('created_at', '=', at), eb('id', '>', after.id)])]),
        );
      }
      if (search !== undefined && search !== '') {
        const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        // lower() on both sides: LIKE ignores case on SQLite but not on PostgreSQL.
        query = query.where((eb) =>
          eb.or([
            sql<boolean>`lower(${eb.ref('name')}) like ${pattern} escape '\\'`,
            sql<boolean>`lower(${eb.ref('id')}) like ${pattern} escape '\\'`,
          ]),
        );
      }
      const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute();
      return rows.map(fromRow);
    },
    async delete(id) {
      // The foreign keys cascade (migration 0001): secrets, sessions opened for the client (and
      // their refresh tokens and codes), its refresh tokens in other sessions, codes, consents.
      const result = await db.deleteFrom('clients').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function toRow(client: Client): NewClientRow {
  return {
    id: client.id,
    name: client.name,
    kind: client.kind,
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
    kind: row.kind as ClientKind | null,
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
    lastUsed:
      row.last_used_at === null
        ? null
        : { at: fromMs(row.last_used_at), ip: row.last_used_ip, userAgent: row.last_used_user_agent },
  };
}
