import type { Kysely } from 'kysely';
import type { RefreshTokenRecord } from '../../accounts/session.js';
import type { RefreshTokenStore } from '../../accounts/stores.js';
import type { Database, RefreshTokenRow } from '../schema.js';
import { fromMs, fromMsOrNull, toMs, toMsOrNull } from './json.js';

/**
 * Refresh tokens. No read here locks: every transaction that writes a refresh token holds its
 * session's row first (accounts/lock-order.ts, the locking read is sessions' `lock`), and reads
 * the tokens again under that lock, so a token row is never locked before its session.
 */
export function refreshTokenRepository(db: Kysely<Database>): RefreshTokenStore {
  return {
    async insert(token) {
      await db
        .insertInto('refresh_tokens')
        .values({
          id: token.id,
          token_hash: token.hash,
          session_id: token.sessionId,
          client_id: token.clientId,
          scope: token.scope.join(' '),
          created_at: toMs(token.createdAt),
          expires_at: toMs(token.expiresAt),
          absolute_expires_at: toMs(token.absoluteExpiresAt),
          rotated_at: toMsOrNull(token.rotatedAt),
          replaced_by: token.replacedBy,
          revoked_at: toMsOrNull(token.revokedAt),
        })
        .execute();
    },
    async findByHash(hash) {
      const row = await db
        .selectFrom('refresh_tokens')
        .selectAll()
        .where('token_hash', '=', hash)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    async markRotated(id, at, replacedBy) {
      const result = await db
        .updateTable('refresh_tokens')
        .set({ rotated_at: toMs(at), replaced_by: replacedBy })
        .where('id', '=', id)
        .where('rotated_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async revokeSession(sessionId, at) {
      const result = await db
        .updateTable('refresh_tokens')
        .set({ revoked_at: toMs(at) })
        .where('session_id', '=', sessionId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async deleteExpired(before) {
      const result = await db
        .deleteFrom('refresh_tokens')
        .where('absolute_expires_at', '<', toMs(before))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function fromRow(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    hash: row.token_hash,
    sessionId: row.session_id,
    clientId: row.client_id,
    scope: row.scope === '' ? [] : row.scope.split(' '),
    createdAt: fromMs(row.created_at),
    expiresAt: fromMs(row.expires_at),
    absoluteExpiresAt: fromMs(row.absolute_expires_at),
    rotatedAt: fromMsOrNull(row.rotated_at),
    replacedBy: row.replaced_by,
    revokedAt: fromMsOrNull(row.revoked_at),
  };
}
