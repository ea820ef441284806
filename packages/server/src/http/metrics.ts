import type { Services } from '../services.js';
import { metricsAccess } from './metrics-access.js';
import type { App } from './types.js';

/**
 * `GET /metrics` on the main listener, when TESSERA_METRICS_TOKEN is set and no separate
 * TESSERA_METRICS_ADDRESS is: the Prometheus text format, to a bearer of the token only. Without
 * the route the path answers 404 like any unknown one (metrics are off by default).
 */
export function metricsRoutes(app: App, services: Services): void {
  const { metricsToken, metricsAddress } = services.config;
  if (metricsToken === undefined || metricsAddress !== undefined) return;
  const refusal = metricsAccess(metricsToken);
  app.get('/metrics', { schema: { hide: true } }, async function scrapeMetrics(request, reply) {
    const refused = refusal(request.headers.authorization);
    // The root error handler answers it in RFC 6750's shape, with the challenge.
    if (refused !== undefined) throw refused;
    const { contentType, body } = await services.metrics.scrape();
    return reply.header('cache-control', 'no-store').type(contentType).send(body);
  });
}
