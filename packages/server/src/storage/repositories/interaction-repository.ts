import type { Kysely } from 'kysely';
import type { Interaction, InteractionStore } from '../../oauth/stores.js';
import type { Database } from '../schema.js';
import { fromJson, fromMs, toJson, toMs } from './json.js';

export function interactionRepository(db: Kysely<Database>): InteractionStore {
  return {
    async insert(interaction) {
      await db
        .insertInto('interactions')
        .values({
          id_hash: interaction.idHash,
          params: toJson(interaction.params),
          browser_binding: interaction.browserBinding,
          created_at: toMs(interaction.createdAt),
          expires_at: toMs(interaction.expiresAt),
          login_session_id: interaction.loginSessionId,
          consented_user_id: interaction.consentedUserId,
        })
        .execute();
    },
    async find(idHash, now) {
      const row = await db
        .selectFrom('interactions')
        .selectAll()
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', toMs(now))
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        idHash: row.id_hash,
        params: fromJson<Interaction['params']>(row.params),
        browserBinding: row.browser_binding,
        createdAt: fromMs(row.created_at),
        expiresAt: fromMs(row.expires_at),
        loginSessionId: row.login_session_id,
        consentedUserId: row.consented_user_id,
      };
    },
    async recordLogin(idHash, sessionId) {
      await db
        .updateTable('interactions')
        .set({ login_session_id: sessionId })
        .where('id_hash', '=', idHash)
        .execute();
    },
    async recordConsent(idHash, userId) {
      await db
        .updateTable('interactions')
        .set({ consented_user_id: userId })
        .where('id_hash', '=', idHash)
        .execute();
    },
    async delete(idHash) {
      const result = await db.deleteFrom('interactions').where('id_hash', '=', idHash).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async deleteExpired(before) {
      const result = await db
        .deleteFrom('interactions')
        .where('expires_at', '<=', toMs(before))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
