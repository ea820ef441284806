import type { Kysely } from 'kysely';
import type { ConsentStore } from '../../oauth/stores.js';
import type { Database } from '../schema.js';
import { fromMs, toMs } from './json.js';

export function consentRepository(db: Kysely<Database>): ConsentStore {
  return {
    async find(userId, clientId) {
      const row = await db
        .selectFrom('consents')
        .selectAll()
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        userId: row.user_id,
        clientId: row.client_id,
        scopes: row.scopes === '' ? [] : row.scopes.split(' '),
        grantedAt: fromMs(row.granted_at),
      };
    },
    async save(consent) {
      const values = {
        user_id: consent.userId,
        client_id: consent.clientId,
        scopes: consent.scopes.join(' '),
        granted_at: toMs(consent.grantedAt),
      };
      await db
        .insertInto('consents')
        .values(values)
        .onConflict((oc) =>
          oc
            .columns(['user_id', 'client_id'])
            .doUpdateSet({ scopes: values.scopes, granted_at: values.granted_at }),
        )
        .execute();
    },
  };
}
