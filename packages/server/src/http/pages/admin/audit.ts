import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import { pageQueryProperties } from '../../schemas/paging.js';
import { boundedText } from '../../schemas/parameters.js';
import type { App } from '../../types.js';
import { auditPage } from '../templates/admin/audit.js';
import { administratorOf, formRefusal } from './console-guard.js';
import { pageResponses } from './page-schemas.js';

const pageSize = 50;

/** GET /admin/audit: the audit log, filtered by type and actor, a page at a time. */
export function consoleAuditRoutes(app: App, services: Services): void {
  app.get(
    '/admin/audit',
    {
      schema: {
        summary: 'Admin console: audit log',
        tags: ['pages'],
        response: pageResponses,
        querystring: {
          type: 'object',
          properties: { type: boundedText(100), actor: boundedText(200), cursor: pageQueryProperties.cursor },
        },
      },
    },
    async function showAudit(request, reply) {
      const type = request.query.type?.trim() ?? '';
      const actor = request.query.actor?.trim() ?? '';
      const admin = administratorOf(request).user.username;
      const filter = { ...(type === '' ? {} : { type }), ...(actor === '' ? {} : { actor }) };
      try {
        const page = await services.audit.page({ ...filter, cursor: request.query.cursor, limit: pageSize });
        const nextHref =
          page.nextCursor === undefined
            ? null
            : `/admin/audit?${new URLSearchParams({ ...filter, cursor: page.nextCursor })}`;
        return sendHtml(reply, 200, auditPage({ admin, type, actor, events: page.events, nextHref }));
      } catch (error) {
        const refusal = formRefusal(error);
        if (refusal === undefined) throw error;
        return sendHtml(
          reply,
          400,
          auditPage({ admin, type, actor, events: [], nextHref: null, error: refusal.message }),
        );
      }
    },
  );
}
