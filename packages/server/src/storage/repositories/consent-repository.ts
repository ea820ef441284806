import type { Kysely, Selectable } from 'kysely';
import type { Consent, ConsentStore } from '../../oauth/stores.js';
import type { ConsentsTable, Database } from '../schema.js';
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
      return row === undefined ? undefined : fromRow(row);
    },
    async listOfUser(userId) {
      const rows = await db
        .selectFrom('consents')
        .innerJoin('clients', 'clients.id', 'consents.client_id')
        .selectAll('consents')
        .select('clients.name as client_name')
        .where('consents.user_id', '=', userId)
        .orderBy('clients.name')
        .orderBy('consents.client_id')
        .execute();
      return rows.map((row) => ({ ...fromRow(row), clientName: row.client_name }));
    },
    async delete(userId, clientId) {
      const result = await db
        .deleteFrom('consents')
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
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

function fromRow(row: Selectable<ConsentsTable>): Consent {
  return {
    userId: row.user_id,
    clientId: row.client_id,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    grantedAt: fromMs(row.granted_at),
  };
}
