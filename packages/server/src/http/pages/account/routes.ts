import type { Services } from '../../../services.js';
import { useRateLimits } from '../../plugins/rate-limit.js';
import type { App } from '../../types.js';
import { appPages } from './apps.js';
import { ownClientPages } from './own-clients.js';
import { profilePages } from './profile.js';
import { sessionPages } from './sessions.js';

/**
 * The account portal (/account…) and `/` → /account, registered inside the page scope so they
 * share its form parser, cookies, CSRF check and error pages; the pages' rate limit applies to
 * every route here.
 */
export async function accountPages(scope: App, services: Services): Promise<void> {
  await scope.register(async function accountPortal(portal: App) {
    useRateLimits(portal, services, { everyRoute: { route: 'pages', by: 'ip' } });
    portal.get(
      '/',
      {
        schema: {
          summary: 'Sends a visitor to their account',
          tags: ['pages'],
          response: { 303: { type: 'null', description: 'redirect' } },
        },
      },
      async function home(_request, reply) {
        return reply.redirect('/account', 303);
      },
    );
    profilePages(portal, services);
    sessionPages(portal, services);
    appPages(portal, services);
    ownClientPages(portal, services, 'personal');
    ownClientPages(portal, services, 'api_key');
  });
}
