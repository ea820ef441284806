import type { Kysely } from 'kysely';
import type { ServiceTokenStore } from '../../accounts/service-tokens.js';
import type { Database } from '../schema.js';
import { fromMs, fromMsOrNull } from './json.js';

/** Service-account tokens are found through their sessions, which record each one's `jti`. */
export function serviceTokenRepository(db: Kysely<Database>): ServiceTokenStore {
  return {
    async findByJti(jti) {
      const row = await db
        .selectFrom('sessions')
        .select(['id', 'user_id', 'expires_at', 'ended_at'])
        .where('kind', '=', 'service')
        .where('newest_access_jti', '=', jti)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        jti,
        sessionId: row.id,
        accountId: row.user_id,
        expiresAt: fromMs(row.expires_at),
        endedAt: fromMsOrNull(row.ended_at),
      };
    },
  };
}
