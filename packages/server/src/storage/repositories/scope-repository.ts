import { type Kysely, sql } from 'kysely';
import type { Scope } from '../../clients/scope.js';
import type { ScopeStore } from '../../clients/stores.js';
import type { Database, ScopeRow } from '../schema.js';
import { fromBool, fromJson, fromMs, toBool, toJson, toMs } from './json.js';

export function scopeRepository(db: Kysely<Database>): ScopeStore {
  return {
    async insert(scope) {
      await db
        .insertInto('scopes')
        .values({
          name: scope.name,
          description: scope.description,
          claims: toJson(scope.claims),
          built_in: toBool(scope.builtIn),
          restricted: toBool(scope.restricted),
          created_at: toMs(scope.createdAt),
          updated_at: toMs(scope.updatedAt),
        })
        .execute();
    },
    async update(scope) {
      await db
        .updateTable('scopes')
        .set({
          description: scope.description,
          claims: toJson(scope.claims),
          restricted: toBool(scope.restricted),
          updated_at: toMs(scope.updatedAt),
        })
        .where('name', '=', scope.name)
        .execute();
    },
    async findByName(name) {
      const row = await db.selectFrom('scopes').selectAll().where('name', '=', name).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    async list() {
      const rows = await db
        .selectFrom('scopes')
        .selectAll()
        .orderBy('built_in', 'desc')
        .orderBy('name')
        .execute();
      return rows.map(fromRow);
    },
    async delete(name) {
      const result = await db.deleteFrom('scopes').where('name', '=', name).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async holders(name) {
      // Scopes are JSON arrays of names without quotes or backslashes (RFC 6749 §3.3), so the
      // quoted name finds the candidates on both dialects; parsing then decides.
      const pattern = `%${JSON.stringify(name).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const names = (column: string) => fromJson<string[]>(column).includes(name);
      const clients = await db
        .selectFrom('clients')
        .select(['id', 'scopes'])
        .where(sql<boolean>`scopes like ${pattern} escape '\\'`)
        .orderBy('id')
        .execute();
      const accounts = await db
        .selectFrom('users')
        .select(['username', 'scopes'])
        .where('kind', '=', 'service')
        .where(sql<boolean>`scopes like ${pattern} escape '\\'`)
        .orderBy('username')
        .execute();
      return {
        clients: clients.filter((row) => names(row.scopes)).map((row) => row.id),
        serviceAccounts: accounts.filter((row) => names(row.scopes)).map((row) => row.username),
      };
    },
  };
}

function fromRow(row: ScopeRow): Scope {
  return {
    name: row.name,
    description: row.description,
    claims: fromJson<string[]>(row.claims),
    builtIn: fromBool(row.built_in),
    restricted: fromBool(row.restricted),
    createdAt: fromMs(row.created_at),
    updatedAt: fromMs(row.updated_at),
  };
}
