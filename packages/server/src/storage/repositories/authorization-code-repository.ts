import type { Kysely } from 'kysely';
import type { AuthorizationCode, AuthorizationCodeStore } from '../../oauth/stores.js';
import type { AuthorizationCodeRow, Database } from '../schema.js';
import { fromJson, fromMs, fromMsOrNull, toJson, toMs, toMsOrNull } from './json.js';

export function authorizationCodeRepository(db: Kysely<Database>): AuthorizationCodeStore {
  return {
    async insert(code) {
      await db
        .insertInto('authorization_codes')
        .values({
          code_hash: code.hash,
          client_id: code.clientId,
          user_id: code.userId,
          session_id: code.sessionId,
          redirect_uri: code.redirectUri,
          scope: code.scope.join(' '),
          code_challenge: code.codeChallenge,
          nonce: code.nonce,
          auth_time: toMs(code.authTime),
          amr: toJson(code.amr),
          claims: code.claims,
          created_at: toMs(code.createdAt),
          expires_at: toMs(code.expiresAt),
          consumed_at: toMsOrNull(code.consumedAt),
          issued_session_id: code.issuedSessionId,
        })
        .execute();
    },
    async findByHash(hash) {
      const row = await db
        .selectFrom('authorization_codes')
        .selectAll()
        .where('code_hash', '=', hash)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    async markConsumed(hash, at) {
      const result = await db
        .updateTable('authorization_codes')
        .set({ consumed_at: toMs(at) })
        .where('code_hash', '=', hash)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async recordIssuedSession(hash, sessionId) {
      const result = await db
        .updateTable('authorization_codes')
        .set({ issued_session_id: sessionId })
        .where('code_hash', '=', hash)
        .where('issued_session_id', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteExpired(before) {
      const result = await db
        .deleteFrom('authorization_codes')
        .where('expires_at', '<', toMs(before))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function fromRow(row: AuthorizationCodeRow): AuthorizationCode {
  return {
    hash: row.code_hash,
    clientId: row.client_id,
    userId: row.user_id,
    sessionId: row.session_id,
    redirectUri: row.redirect_uri,
    scope: row.scope === '' ? [] : row.scope.split(' '),
    codeChallenge: row.code_challenge,
    nonce: row.nonce,
    authTime: fromMs(row.auth_time),
    amr: fromJson<string[]>(row.amr),
    claims: row.claims,
    createdAt: fromMs(row.created_at),
    expiresAt: fromMs(row.expires_at),
    consumedAt: fromMsOrNull(row.consumed_at),
    issuedSessionId: row.issued_session_id,
  };
}
