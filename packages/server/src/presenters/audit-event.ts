import type { AuditEvent } from '../audit/audit-event.js';

/** An audit event as `audit tail --json` prints it and GET /admin/api/audit-events returns it. */
export function auditEventJson(event: AuditEvent & { seq: number }) {
  return {
    seq: event.seq,
    id: event.id,
    occurred_at: event.occurredAt.toISOString(),
    type: event.type,
    outcome: event.outcome,
    actor: event.actor,
    subject: event.subject,
    client_id: event.clientId,
    ip: event.ip,
    user_agent: event.userAgent,
    details: event.details,
  };
}

const nullableString = { type: ['string', 'null'] } as const;

export const auditEventJsonSchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    id: { type: 'string' },
    occurred_at: { type: 'string', format: 'date-time' },
    type: { type: 'string' },
    outcome: { type: 'string', enum: ['success', 'failure'] },
    actor: { ...nullableString, description: '`user:<id>`, `client:<id>`, `service:<id>` or `cli`' },
    subject: nullableString,
    client_id: nullableString,
    ip: nullableString,
    user_agent: nullableString,
    details: {
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
      description: 'Ids and names only, never a secret',
    },
  },
  required: [
    'seq',
    'id',
    'occurred_at',
    'type',
    'outcome',
    'actor',
    'subject',
    'client_id',
    'ip',
    'user_agent',
    'details',
  ],
  additionalProperties: false,
} as const;
