import { auditEventJson, auditEventJsonSchema } from '../../presenters/audit-event.js';
import type { Services } from '../../services.js';
import { nextCursorProperty, pageLimit, pageQueryProperties } from '../schemas/paging.js';
import { boundedText } from '../schemas/parameters.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';

const dateTime = { type: 'string', format: 'date-time' } as const;

/** /admin/api/audit-events: who did what to whom, filtered and paged, newest first. */
export function adminAuditRoutes(app: App, services: Services): void {
  app.get(
    '/audit-events',
    {
      schema: {
        summary: 'Audit events, newest first, filtered by type, actor, subject and time, a page at a time',
        tags: ['admin'],
        querystring: {
          type: 'object',
          properties: {
            type: {
              ...boundedText(100),
              description: 'An exact type (user.disabled) or a family (user.*)',
            },
            actor: { ...boundedText(200), description: 'user:<id>, client:<id>, service:<id> or cli' },
            subject: { ...boundedText(200), description: 'What was acted on, e.g. user:<id>' },
            since: { ...dateTime, description: 'Occurred at or after (RFC 3339)' },
            until: { ...dateTime, description: 'Occurred before (RFC 3339)' },
            ...pageQueryProperties,
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              events: { type: 'array', items: auditEventJsonSchema },
              next_cursor: nextCursorProperty,
            },
            required: ['events', 'next_cursor'],
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function listAuditEvents(request) {
      const { type, actor, subject, since, until, cursor, limit } = request.query;
      const page = await services.audit.page({
        type,
        actor,
        subject,
        since: since === undefined ? undefined : new Date(since),
        until: until === undefined ? undefined : new Date(until),
        cursor,
        limit: pageLimit(limit),
      });
      return { events: page.events.map(auditEventJson), next_cursor: page.nextCursor ?? null };
    },
  );
}
