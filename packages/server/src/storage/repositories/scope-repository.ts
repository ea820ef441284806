import type { Kysely } from 'kysely';
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
  };
}

function fromRow(row: ScopeRow): Scope {
  return {
    name: row.name,
    description: row.description,
    claims: fromJson<string[]>(row.claims),
    builtIn: fromBool(row.built_in),
    createdAt: fromMs(row.created_at),
    updatedAt: fromMs(row.updated_at),
  };
}
