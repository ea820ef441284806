import type { Kysely } from 'kysely';
import type { Session, SessionKind } from '../../accounts/session.js';
import type { SessionStore } from '../../accounts/stores.js';
import type { Database, SessionRow } from '../schema.js';
import { fromJson, fromMs, fromMsOrNull, toJson, toMs, toMsOrNull } from './json.js';
import { locksRows } from './row-locks.js';

/**
 * Sessions. `lock` and `endAllOfUser` are the locking reads of the one lock order for sessions and
 * refresh tokens (accounts/lock-order.ts): a session row is locked before any of its refresh
 * tokens, several sessions in id order. `for no key update` rather than `for update`: it still
 * excludes every other writer of the row, but not the key-share locks that inserting a row which
 * references the session takes (a refresh token, an authorization code).
 */
export function sessionRepository(db: Kysely<Database>): SessionStore {
  const rowLocks = locksRows(db);
  return {
    async insert(session) {
      await db
        .insertInto('sessions')
        .values({
          id: session.id,
          user_id: session.userId,
          client_id: session.clientId,
          kind: session.kind,
          auth_time: toMs(session.authTime),
          amr: toJson(session.amr),
          created_at: toMs(session.createdAt),
          last_active_at: toMs(session.lastActiveAt),
          expires_at: toMs(session.expiresAt),
          ended_at: toMsOrNull(session.endedAt),
          end_reason: session.endReason,
          newest_access_jti: session.newestAccessJti,
          previous_access_jti: session.previousAccessJti,
          access_rotated_at: toMsOrNull(session.accessRotatedAt),
          ip: session.ip,
          user_agent: session.userAgent,
        })
        .execute();
    },
    async findById(id) {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    async lock(id) {
      const query = db.selectFrom('sessions').selectAll().where('id', '=', id);
      const row = await (rowLocks ? query.forNoKeyUpdate() : query).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    async lockByRefreshTokenHash(hash) {
      // A token's session never changes, so finding it in a subquery cannot race with anything.
      const query = db
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', (eb) =>
          eb.selectFrom('refresh_tokens').select('session_id').where('token_hash', '=', hash),
        );
      const row = await (rowLocks ? query.forNoKeyUpdate() : query).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    async end(id, at, reason) {
      const result = await db
        .updateTable('sessions')
        .set({ ended_at: toMs(at), end_reason: reason })
        .where('id', '=', id)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async endAllOfUser(userId, at, reason, filter = {}) {
      // Locked in id order, so that two transactions ending sessions of one user (or one of
      // them and a refresh) cannot hold one each and wait for the other's.
      let query = db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .where('ended_at', 'is', null)
        .orderBy('id');
      if (filter.clientId !== undefined) query = query.where('client_id', '=', filter.clientId);
      if (filter.exceptId !== undefined) query = query.where('id', '!=', filter.exceptId);
      const open = await (rowLocks ? query.forNoKeyUpdate() : query).execute();
      if (open.length === 0) return [];
      const ids = open.map((s) => s.id);
      await db
        .updateTable('sessions')
        .set({ ended_at: toMs(at), end_reason: reason })
        .where('id', 'in', ids)
        .where('ended_at', 'is', null)
        .execute();
      return ids;
    },
    async listOfUser(userId, liveAt) {
      let query = db.selectFrom('sessions').selectAll().where('user_id', '=', userId);
      if (liveAt !== undefined) {
        query = query.where('ended_at', 'is', null).where('expires_at', '>', toMs(liveAt));
      }
      const rows = await query.orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(fromRow);
    },
    async recordAccessToken(id, jti, at) {
      // One statement, so a concurrent refresh cannot slip between reading the newest and replacing it.
      await db
        .updateTable('sessions')
        .set((eb) => ({
          newest_access_jti: jti,
          previous_access_jti: eb.ref('newest_access_jti'),
          access_rotated_at: toMs(at),
          last_active_at: toMs(at),
        }))
        .where('id', '=', id)
        .execute();
    },
    async rotateAccessToken(id, expectedNewest, jti, at) {
      const result = await db
        .updateTable('sessions')
        .set({
          newest_access_jti: jti,
          previous_access_jti: expectedNewest,
          access_rotated_at: toMs(at),
          last_active_at: toMs(at),
        })
        .where('id', '=', id)
        .where('newest_access_jti', '=', expectedNewest)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async touch(id, at) {
      await db
        .updateTable('sessions')
        .set({ last_active_at: toMs(at) })
        .where('id', '=', id)
        .execute();
    },
    async latestExpiry(kind) {
      const row = await db
        .selectFrom('sessions')
        .select((eb) => eb.fn.max('expires_at').as('latest'))
        .where('kind', '=', kind)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      return row?.latest === null || row?.latest === undefined ? undefined : fromMs(Number(row.latest));
    },
    async deleteExpired(before) {
      const result = await db
        .deleteFrom('sessions')
        .where('expires_at', '<', toMs(before))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function fromRow(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    clientId: row.client_id,
    kind: row.kind as SessionKind,
    authTime: fromMs(row.auth_time),
    amr: fromJson<string[]>(row.amr),
    createdAt: fromMs(row.created_at),
    lastActiveAt: fromMs(row.last_active_at),
    expiresAt: fromMs(row.expires_at),
    endedAt: fromMsOrNull(row.ended_at),
    endReason: row.end_reason,
    newestAccessJti: row.newest_access_jti,
    previousAccessJti: row.previous_access_jti,
    accessRotatedAt: fromMsOrNull(row.access_rotated_at),
    ip: row.ip,
    userAgent: row.user_agent,
  };
}
