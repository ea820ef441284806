import type { Kysely } from 'kysely';
import type { ServiceTokenRecord, ServiceTokenStore } from '../../accounts/service-tokens.js';
import type { Database, SessionRow } from '../schema.js';
import { fromMs, fromMsOrNull } from './json.js';

type TokenRow = Pick<
  SessionRow,
  'id' | 'user_id' | 'created_at' | 'expires_at' | 'ended_at' | 'end_reason'
> & {
  newest_access_jti: string;
};

/** Service-account tokens are found through their sessions, which record each one's `jti`. */
export function serviceTokenRepository(db: Kysely<Database>): ServiceTokenStore {
  const tokens = () =>
    db
      .selectFrom('sessions')
      .select(['id', 'user_id', 'newest_access_jti', 'created_at', 'expires_at', 'ended_at', 'end_reason'])
      .where('kind', '=', 'service')
      .where('newest_access_jti', 'is not', null);
  return {
    async findByJti(jti) {
      const row = await tokens().where('newest_access_jti', '=', jti).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row as TokenRow);
    },
    async listOfAccount(accountId) {
      const rows = await tokens()
        .where('user_id', '=', accountId)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map((row) => fromRow(row as TokenRow));
    },
  };
}

function fromRow(row: TokenRow): ServiceTokenRecord {
  return {
    jti: row.newest_access_jti,
    sessionId: row.id,
    accountId: row.user_id,
    createdAt: fromMs(row.created_at),
    expiresAt: fromMs(row.expires_at),
    endedAt: fromMsOrNull(row.ended_at),
    endReason: row.end_reason,
  };
}
