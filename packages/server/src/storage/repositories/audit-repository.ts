import { type Kysely, sql } from 'kysely';
import type { AuditEvent, AuditEventType, AuditOutcome, AuditStore } from '../../audit/audit-event.js';
import type { AuditEventRow, Database } from '../schema.js';
import { fromJson, fromMs, toJson, toMs } from './json.js';

export function auditRepository(db: Kysely<Database>): AuditStore {
  return {
    async insert(event) {
      await db
        .insertInto('audit_events')
        .values({
          id: event.id,
          occurred_at: toMs(event.occurredAt),
          type: event.type,
          outcome: event.outcome,
          actor: event.actor,
          subject: event.subject,
          client_id: event.clientId,
          ip: event.ip,
          user_agent: event.userAgent,
          details: toJson(event.details),
        })
        .execute();
    },
    async listAfter(afterSeq, limit) {
      const rows = await db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },
    async tail(limit) {
      const rows = await db
        .selectFrom('audit_events')
        .selectAll()
        .orderBy('seq', 'desc')
        .limit(limit)
        .execute();
      return rows.reverse().map(fromRow);
    },
    async query(filter) {
      let query = db.selectFrom('audit_events').selectAll();
      if (filter.type !== undefined) query = query.where('type', '=', filter.type);
      if (filter.typePrefix !== undefined) {
        const pattern = `${filter.typePrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where(sql<boolean>`type like ${pattern} escape '\\'`);
      }
      if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
      if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
      if (filter.since !== undefined) query = query.where('occurred_at', '>=', toMs(filter.since));
      if (filter.until !== undefined) query = query.where('occurred_at', '<', toMs(filter.until));
      if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
      const rows = await query.orderBy('seq', 'desc').limit(filter.limit).execute();
      return rows.map(fromRow);
    },
  };
}

function fromRow(row: AuditEventRow): AuditEvent & { seq: number } {
  return {
    seq: Number(row.seq),
    id: row.id,
    occurredAt: fromMs(row.occurred_at),
    type: row.type as AuditEventType,
    outcome: row.outcome as AuditOutcome,
    actor: row.actor,
    subject: row.subject,
    clientId: row.client_id,
    ip: row.ip,
    userAgent: row.user_agent,
    details: fromJson<AuditEvent['details']>(row.details),
  };
}
