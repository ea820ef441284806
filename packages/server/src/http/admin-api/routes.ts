import type { Services } from '../../services.js';
import type { App } from '../types.js';
import { adminAuditRoutes } from './audit.js';
import { adminClientRoutes } from './clients.js';
import { adminConsentRoutes } from './consents.js';
import { adminGroupRoutes } from './groups.js';
import { adminIdentityProviderRoutes } from './identity-providers.js';
import { adminKeyRoutes } from './keys.js';
import { adminScopeRoutes } from './scopes.js';
import { adminServiceAccountRoutes } from './service-accounts.js';
import { adminSessionRoutes } from './sessions.js';
import { adminUserRoutes } from './users.js';

/** Every route of the admin API (`/admin/api/…`); each resource has its own file. */
export async function adminApiRoutes(scope: App, services: Services): Promise<void> {
  adminClientRoutes(scope, services);
  adminScopeRoutes(scope, services);
  adminUserRoutes(scope, services);
  adminGroupRoutes(scope, services);
  adminServiceAccountRoutes(scope, services);
  adminSessionRoutes(scope, services);
  adminKeyRoutes(scope, services);
  adminAuditRoutes(scope, services);
  adminConsentRoutes(scope, services);
  adminIdentityProviderRoutes(scope, services);
}
