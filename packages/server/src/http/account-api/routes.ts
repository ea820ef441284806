import type { Services } from '../../services.js';
import type { App } from '../types.js';
import { accountClientRoutes } from './clients.js';
import { accountConsentRoutes } from './consents.js';
import { accountProfileRoutes } from './profile.js';
import { accountSessionRoutes } from './sessions.js';

/** Every route of the self-service API (`/account/api/…`); each resource has its own file. */
export async function accountApiRoutes(scope: App, services: Services): Promise<void> {
  accountProfileRoutes(scope, services);
  accountSessionRoutes(scope, services);
  accountConsentRoutes(scope, services);
  accountClientRoutes(scope, services);
}
