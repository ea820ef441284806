import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { UserStore } from '../../accounts/stores.js';
import { type User, type UserKind, usernameKey } from '../../accounts/user.js';
import { randomId } from '../../platform/random.js';
import type { Database, UserRow } from '../schema.js';
import { fromBool, fromJson, fromMs, toBool, toJson, toMs } from './json.js';
import { locksRows } from './row-locks.js';

/**
 * Users with their groups and permissions. Writes touch several tables; callers that need them
 * atomic run them inside a transaction (the user service does).
 */
export function userRepository(db: Kysely<Database>): UserStore {
  const rowLocks = locksRows(db);
  async function load(rows: UserRow[]): Promise<User[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    // Groups and permissions in one statement (one round trip on PostgreSQL: every refresh,
    // userinfo and /me loads a user).
    const memberships = await db
      .selectFrom('user_groups')
      .innerJoin('groups', 'groups.id', 'user_groups.group_id')
      .select(['user_groups.user_id as user_id', 'groups.name as value', sql<string>`'group'`.as('kind')])
      .where('user_groups.user_id', 'in', ids)
      .unionAll(
        db
          .selectFrom('user_permissions')
          .select(['user_id', 'permission as value', sql<string>`'permission'`.as('kind')])
          .where('user_id', 'in', ids),
      )
      .orderBy('value')
      .execute();
    const of = (userId: string, kind: string) =>
      memberships.filter((m) => m.user_id === userId && m.kind === kind).map((m) => m.value);
    return rows.map((row) => fromRow(row, of(row.id, 'group'), of(row.id, 'permission')));
  }

  async function writeMemberships(user: User): Promise<void> {
    const now = toMs(user.updatedAt);
    await db.deleteFrom('user_groups').where('user_id', '=', user.id).execute();
    for (const name of user.groups) {
      await db
        .insertInto('groups')
        .values({ id: randomId(), name, created_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const group = await db
        .selectFrom('groups')
        .select('id')
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      await db.insertInto('user_groups').values({ user_id: user.id, group_id: group.id }).execute();
    }
    await db.deleteFrom('user_permissions').where('user_id', '=', user.id).execute();
    for (const permission of user.permissions) {
      await db
        .insertInto('permissions')
        .values({ name: permission, description: '', created_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      await db.insertInto('user_permissions').values({ user_id: user.id, permission }).execute();
    }
  }

  return {
    async insert(user) {
      await db.insertInto('users').values(toRow(user)).execute();
      await writeMemberships(user);
    },
    async update(user) {
      const { id, created_at: _created, ...changes } = toRow(user);
      await db.updateTable('users').set(changes).where('id', '=', id).execute();
      await writeMemberships(user);
    },
    async delete(id) {
      const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async findById(id) {
      const rows = await db.selectFrom('users').selectAll().where('id', '=', id).execute();
      return (await load(rows))[0];
    },
    async findByUsername(username) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('username_key', '=', usernameKey(username))
        .execute();
      return (await load(rows))[0];
    },
    async list(kind) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('kind', '=', kind)
        .orderBy('username_key')
        .execute();
      return load(rows);
    },
    async page({ kind, search, after, limit }) {
      let query = db.selectFrom('users').selectAll();
      if (kind !== undefined) query = query.where('kind', '=', kind);
      if (after !== undefined) query = query.where('username_key', '>', after);
      if (search !== undefined && search !== '') {
        const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        // lower() on both sides: LIKE ignores case on SQLite but not on PostgreSQL.
        const like = (column: RawBuilder<unknown>) =>
          sql<boolean>`lower(${column}) like ${pattern} escape '\\'`;
        query = query.where((eb) =>
          eb.or([
            like(sql`${eb.ref('username_key')}`),
            like(sql`coalesce(${eb.ref('email')}, '')`),
            like(sql`${eb.ref('first_name')} || ' ' || ${eb.ref('last_name')}`),
          ]),
        );
      }
      const rows = await query.orderBy('username_key').limit(limit).execute();
      return load(rows);
    },
    async lockAdministrators() {
      const query = db
        .selectFrom('users')
        .select('id')
        .where('kind', '=', 'user')
        .where('is_admin', '=', toBool(true))
        .where('disabled', '=', toBool(false))
        .orderBy('id');
      const rows = await (rowLocks ? query.forUpdate() : query).execute();
      return rows.map((row) => row.id);
    },
    async memberCounts(of) {
      const rows =
        of === 'groups'
          ? await db
              .selectFrom('user_groups')
              .innerJoin('groups', 'groups.id', 'user_groups.group_id')
              .select((eb) => ['groups.name as name', eb.fn.countAll().as('members')])
              .groupBy('groups.name')
              .orderBy('groups.name')
              .execute()
          : await db
              .selectFrom('user_permissions')
              .select((eb) => ['permission as name', eb.fn.countAll().as('members')])
              .groupBy('permission')
              .orderBy('permission')
              .execute();
      return rows.map((row) => ({ name: row.name, members: Number(row.members) }));
    },
  };
}

function toRow(user: User) {
  return {
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
    scopes: toJson(user.scopes),
    created_at: toMs(user.createdAt),
    updated_at: toMs(user.updatedAt),
  };
}

function fromRow(row: UserRow, groups: string[], permissions: string[]): User {
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
    groups,
    permissions,
    scopes: fromJson<string[]>(row.scopes),
    createdAt: fromMs(row.created_at),
    updatedAt: fromMs(row.updated_at),
  };
}
