import type { Services } from '../../../services.js';
import { useRateLimits } from '../../plugins/rate-limit.js';
import type { App } from '../../types.js';
import { consoleAuditRoutes } from './audit.js';
import { consoleClientRoutes } from './clients.js';
import { guardConsole } from './console-guard.js';
import { consoleKeyRoutes } from './keys.js';
import { consoleOverviewRoutes } from './overview.js';
import { consoleScopeRoutes } from './scopes.js';
import { consoleServiceAccountRoutes } from './service-accounts.js';
import { consoleUserRoutes } from './user-actions.js';
import { consoleUserListRoutes } from './users.js';

/**
 * The admin console (/admin…) inside the page scope: it inherits the form parser, the cookies,
 * CSRF on every POST and the page error handler, and adds its own guard (administrators only)
 * and the pages' rate limit per address.
 */
export async function adminPages(scope: App, services: Services): Promise<void> {
  await scope.register(async function adminConsole(consoleScope: App) {
    useRateLimits(consoleScope, services, { everyRoute: { route: 'pages', by: 'ip' } });
    guardConsole(consoleScope, services);
    consoleOverviewRoutes(consoleScope, services);
    consoleUserListRoutes(consoleScope, services);
    consoleUserRoutes(consoleScope, services);
    consoleClientRoutes(consoleScope, services);
    consoleScopeRoutes(consoleScope, services);
    consoleServiceAccountRoutes(consoleScope, services);
    consoleKeyRoutes(consoleScope, services);
    consoleAuditRoutes(consoleScope, services);
  });
}
