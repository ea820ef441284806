import type { Kysely } from 'kysely';
import type { ClientUsageStore } from '../../clients/stores.js';
import type { Database } from '../schema.js';

/** Rows per statement: well under SQLite's limit on bound values (4 per row). */
const rowsPerStatement = 500;

export function clientUsageRepository(db: Kysely<Database>): ClientUsageStore {
  return {
    async add(counts) {
      for (let start = 0; start < counts.length; start += rowsPerStatement) {
        const rows = counts.slice(start, start + rowsPerStatement).map((c) => ({
          client_id: c.clientId,
          day: c.day,
          granted: c.granted,
          refused: c.refused,
        }));
        // One upsert for the whole batch; the same syntax on SQLite (3.24+) and PostgreSQL.
        await db
          .insertInto('client_usage')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['client_id', 'day']).doUpdateSet((eb) => ({
              granted: eb('client_usage.granted', '+', eb.ref('excluded.granted')),
              refused: eb('client_usage.refused', '+', eb.ref('excluded.refused')),
            })),
          )
          .execute();
      }
    },
    async daysOf(clientId, from, to) {
      const rows = await db
        .selectFrom('client_usage')
        .selectAll()
        .where('client_id', '=', clientId)
        .where('day', '>=', from)
        .where('day', '<=', to)
        .orderBy('day')
        .execute();
      return rows.map((row) => ({
        clientId: row.client_id,
        day: row.day,
        granted: Number(row.granted),
        refused: Number(row.refused),
      }));
    },
    async deleteBefore(day) {
      const result = await db.deleteFrom('client_usage').where('day', '<', day).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
