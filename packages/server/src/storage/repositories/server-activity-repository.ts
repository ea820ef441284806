import { type Kysely, sql } from 'kysely';
import type { ServerActivityStore } from '../../audit/server-activity.js';
import type { Database } from '../schema.js';

const dayMs = 86_400_000;

/** Aggregates for the admin console's overview: GROUP BY and COUNT, the same SQL on both dialects. */
export function serverActivityRepository(db: Kysely<Database>): ServerActivityStore {
  return {
    async activeSessions(at) {
      const row = await db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('ended_at', 'is', null)
        .where('expires_at', '>', at.getTime())
        .executeTakeFirst();
      return Number(row?.count ?? 0);
    },
    async usageByDay(from, to) {
      const rows = await db
        .selectFrom('client_usage')
        .select((eb) => ['day', eb.fn.sum('granted').as('granted'), eb.fn.sum('refused').as('refused')])
        .where('day', '>=', from)
        .where('day', '<=', to)
        .groupBy('day')
        .execute();
      return rows.map((row) => ({
        day: row.day,
        granted: Number(row.granted),
        refused: Number(row.refused),
      }));
    },
    async eventsByDay(type, since, until) {
      // Epoch milliseconds divided by a day: an integer division on both dialects (bigint columns).
      const dayNumber = sql<number>`occurred_at / ${sql.lit(dayMs)}`;
      const rows = await db
        .selectFrom('audit_events')
        .select((eb) => [dayNumber.as('day_number'), eb.fn.countAll().as('count')])
        .where('type', '=', type)
        .where('occurred_at', '>=', since.getTime())
        .where('occurred_at', '<', until.getTime())
        .groupBy(dayNumber)
        .execute();
      return rows.map((row) => ({
        day: new Date(Number(row.day_number) * dayMs).toISOString().slice(0, 10),
        count: Number(row.count),
      }));
    },
  };
}
