import type { Config } from '../config/config.js';
import type { KeyUse } from '../keys/signing-key.js';
import type { Clock } from '../platform/clock.js';
import type { Stores } from '../storage/repositories/index.js';

/** How long a retired key must stay published: the longest life of any token it may have signed. */
export async function maxTokenLifetime(
  use: KeyUse,
  config: Config,
  stores: Stores,
  clock: Clock,
): Promise<number> {
  if (use === 'id') return config.idTokenTtl;
  const clientTtls = (await stores.clients.list()).map((c) => c.accessTokenTtl ?? 0);
  // Service-account tokens live as long as their session; the newest such session bounds them.
  const serviceSessionEnd = await stores.sessions.latestExpiry('service');
  const serviceRemaining =
    serviceSessionEnd === undefined
      ? 0
      : Math.ceil((serviceSessionEnd.getTime() - clock.now().getTime()) / 1000);
  // GET /token accepts a session's expired access token for the refresh lifetime: keep its key that long.
  const sessionWindow =
    config.sessionAccessTtl + (config.sessionAccessTokenRefresh ? config.sessionRefreshTtl : 0);
  return Math.max(config.accessTokenTtl, sessionWindow, serviceRemaining, ...clientTtls);
}
