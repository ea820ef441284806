import { activityOverview } from '../../../audit/server-activity.js';
import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import type { App } from '../../types.js';
import { overviewPage } from '../templates/admin/overview.js';
import { administratorOf } from './console-guard.js';
import { pageResponses } from './page-schemas.js';

/** Days the overview's charts cover. */
export const overviewDays = 14;

/**
 * Requests refused over a rate limit since the process started, read from the metrics (the
 * limiter keeps no history of its own); null with metrics off or unreadable.
 */
async function rateLimitedRequests(services: Services): Promise<number | null> {
  if (!services.metrics.enabled) return null;
  try {
    const { body } = await services.metrics.scrape();
    const line = /^tessera_refusals_total\{reason="rate_limited"\} ([0-9.e+]+)$/m.exec(body);
    return line === null ? 0 : Number(line[1]);
  } catch {
    return null;
  }
}

/** GET /admin: the overview. */
export function consoleOverviewRoutes(app: App, services: Services): void {
  app.get(
    '/admin',
    { schema: { summary: 'Admin console: overview', tags: ['pages'], response: pageResponses } },
    async function showOverview(request, reply) {
      const [overview, rateLimited] = await Promise.all([
        activityOverview(services.activity, services.clock.now(), overviewDays),
        rateLimitedRequests(services),
      ]);
      return sendHtml(
        reply,
        200,
        overviewPage({ admin: administratorOf(request).user.username, overview, rateLimited }),
      );
    },
  );
}
