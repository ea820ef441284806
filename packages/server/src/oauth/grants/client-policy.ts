import type { TokenPolicy } from '../../accounts/session-tokens.js';
import type { Client } from '../../clients/client.js';

/** The server's default lifetimes for OAuth clients' sessions (TESSERA_*_TTL, TESSERA_SESSION_MAX_AGE). */
export interface OAuthLifetimes {
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly sessionMaxAge: number;
}

/**
 * The token policy of a session a client opens: the client's own lifetimes where it has them,
 * else the server's; a refresh token only for a client allowed the refresh_token grant.
 */
export function clientTokenPolicy(client: Client, lifetimes: OAuthLifetimes): TokenPolicy {
  return {
    accessTtl: client.accessTokenTtl ?? lifetimes.accessTokenTtl,
    refreshTtl: client.grantTypes.includes('refresh_token')
      ? (client.refreshTokenTtl ?? lifetimes.refreshTokenTtl)
      : null,
    maxAge: lifetimes.sessionMaxAge,
  };
}
