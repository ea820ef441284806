import { CompiledQuery, type Kysely } from 'kysely';
import type { RevokedTokenStore } from '../../tokens/revocation-list.js';
import type { Database } from '../schema.js';
import { fromMs, toMs } from './json.js';

export function revokedTokenRepository(db: Kysely<Database>): RevokedTokenStore {
  // Introspection and every bearer check ask this once per call: Kysely builds the SQL once here,
  // and each call only binds the id (the one parameter of the compiled query).
  const containsSql = db.selectFrom('revoked_tokens').select('jti').where('jti', '=', '').compile().sql;
  return {
    async insert(jti, expiresAt, revokedAt) {
      await db
        .insertInto('revoked_tokens')
        .values({ jti, expires_at: toMs(expiresAt), revoked_at: toMs(revokedAt) })
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
    },
    async contains(jti) {
      const { rows } = await db.executeQuery(CompiledQuery.raw(containsSql, [jti]));
      return rows.length > 0;
    },
    async listUnexpired(now) {
      const rows = await db
        .selectFrom('revoked_tokens')
        .select(['jti', 'expires_at'])
        .where('expires_at', '>', toMs(now))
        .execute();
      return rows.map((r) => ({ jti: r.jti, expiresAt: fromMs(r.expires_at) }));
    },
    async deleteExpired(now) {
      const result = await db
        .deleteFrom('revoked_tokens')
        .where('expires_at', '<=', toMs(now))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
