import type { Kysely } from 'kysely';
import type { UserStore } from '../../accounts/stores.js';
import { type User, type UserKind, usernameKey } from '../../accounts/user.js';
import type { Database, UserRow } from '../schema.js';
import { fromBool, fromJson, fromMs, toBool, toJson, toMs } from './json.js';

export function userRepository(db: Kysely<Database>): UserStore {
  return {
    async insert(user) {
      await db
        .insertInto('users')
        .values({
          id: user.id,
          username: user.username,
          username_key: usernameKey(user.username),
          email: user.email,
          first_name: user.firstName,
          last_name: user.lastName,
          is_admin: toBool(user.isAdmin),
          kind: user.kind,
          disabled: toBool(user.disabled),
          password_hash: user.passwordHash,
          attributes: toJson(user.attributes),
          created_at: toMs(user.createdAt),
          updated_at: toMs(user.updatedAt),
        })
        .execute();
    },
    async findById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    async findByUsername(username) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('username_key', '=', usernameKey(username))
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
  };
}

function fromRow(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    isAdmin: fromBool(row.is_admin),
    kind: row.kind as UserKind,
    disabled: fromBool(row.disabled),
    passwordHash: row.password_hash,
    attributes: fromJson<Record<string, unknown>>(row.attributes),
    createdAt: fromMs(row.created_at),
    updatedAt: fromMs(row.updated_at),
  };
}
