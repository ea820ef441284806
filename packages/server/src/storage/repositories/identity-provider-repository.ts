import type { Kysely, Selectable } from 'kysely';
import type {
  IdentityProvider,
  IdentityProviderStore,
  UsernameClaim,
} from '../../accounts/federation/identity-provider.js';
import type { Database, IdentityProvidersTable } from '../schema.js';
import { fromBool, fromJson, fromMs, toBool, toJson, toMs } from './json.js';

export function identityProviderRepository(db: Kysely<Database>): IdentityProviderStore {
  return {
    async insert(provider) {
      await db.insertInto('identity_providers').values(toRow(provider)).execute();
    },
    async update(provider) {
      const { id, created_at: _created, ...changes } = toRow(provider);
      await db.updateTable('identity_providers').set(changes).where('id', '=', id).execute();
    },
    async delete(id) {
      const result = await db.deleteFrom('identity_providers').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async findById(id) {
      const row = await db
        .selectFrom('identity_providers')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    async list() {
      const rows = await db
        .selectFrom('identity_providers')
        .selectAll()
        .orderBy('name')
        .orderBy('id')
        .execute();
      return rows.map(fromRow);
    },
  };
}

function toRow(provider: IdentityProvider): IdentityProvidersTable {
  return {
    id: provider.id,
    name: provider.name,
    issuer: provider.issuer,
    client_id: provider.clientId,
    client_secret: provider.encryptedClientSecret,
    scopes: toJson(provider.scopes),
    username_claim: provider.usernameClaim,
    groups_claim: provider.groupsClaim,
    group_map: toJson(provider.groupMap),
    allowed_domains: toJson(provider.allowedDomains),
    provisioning: toBool(provider.provisioning),
    link_by_email: toBool(provider.linkByEmail),
    created_at: toMs(provider.createdAt),
    updated_at: toMs(provider.updatedAt),
  };
}

function fromRow(row: Selectable<IdentityProvidersTable>): IdentityProvider {
  return {
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    clientId: row.client_id,
    encryptedClientSecret: row.client_secret,
    scopes: fromJson<string[]>(row.scopes),
    usernameClaim: row.username_claim as UsernameClaim,
    groupsClaim: row.groups_claim,
    groupMap: fromJson<Record<string, string>>(row.group_map),
    allowedDomains: fromJson<string[]>(row.allowed_domains),
    provisioning: fromBool(row.provisioning),
    linkByEmail: fromBool(row.link_by_email),
    createdAt: fromMs(Number(row.created_at)),
    updatedAt: fromMs(Number(row.updated_at)),
  };
}
