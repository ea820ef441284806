import { RefreshFailed, sessionApiClientId } from '../../accounts/sessions.js';
import type { Services } from '../../services.js';
import { AccessTokenError } from '../../tokens/access-token.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';
import { bearerToken, clearRefreshCookie, refreshCookie, setRefreshCookie } from './credentials.js';
import { authenticationRequired, invalidToken, tokenExpired } from './errors.js';

const tokenResponse = {
  type: 'object',
  properties: { access_token: { type: 'string' }, refresh_token: { type: 'string' } },
  required: ['access_token'],
} as const;

/**
 * GET /token. With a refresh token (Bearer or the cookie /login set): a new access token and the
 * rotated refresh token. With the session's newest access token, even just expired (how existing
 * clients refresh): a new access token; an older one is a replay and revokes the session.
 */
export function tokenRoute(app: App, services: Services): void {
  const { config } = services;
  app.get(
    '/token',
    {
      schema: {
        summary: 'Refresh: new access token, rotated refresh token',
        tags: ['session'],
        response: { 200: tokenResponse, ...sessionErrorResponses },
      },
    },
    async function refresh(request, reply) {
      const presented = bearerToken(request) ?? refreshCookie(request);
      if (presented === undefined) throw authenticationRequired();
      const input = {
        clientId: null,
        policy: {
          accessTtl: config.sessionAccessTtl,
          refreshTtl: config.sessionRefreshTtl,
          maxAge: config.sessionMaxAge,
        },
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      };
      reply.header('cache-control', 'no-store');
      try {
        // A JWT has dots; a refresh token never does.
        if (presented.includes('.')) {
          if (!config.sessionAccessTokenRefresh) throw invalidToken();
          const claims = await accessTokenClaims(presented);
          const issued = await services.sessions.refreshWithAccessToken(claims, input);
          return { access_token: issued.accessToken.token };
        }
        const issued = await services.sessions.refresh(presented, input);
        const refreshToken = issued.refreshToken as string;
        setRefreshCookie(reply, config, refreshToken, config.sessionRefreshTtl);
        return { access_token: issued.accessToken.token, refresh_token: refreshToken };
      } catch (error) {
        if (!(error instanceof RefreshFailed)) throw error;
        if (!presented.includes('.')) clearRefreshCookie(reply, config);
        throw error.reason === 'expired' ? tokenExpired() : invalidToken();
      }
    },
  );

  /** A session API access token of ours, expired or not (up to the refresh lifetime), not revoked. */
  async function accessTokenClaims(token: string) {
    try {
      const claims = await services.accessTokens.verify(token, {
        acceptExpiredFor: config.sessionRefreshTtl,
      });
      if (claims.client_id !== sessionApiClientId || (await services.revocations.isRevoked(claims.jti)))
        throw invalidToken();
      return claims;
    } catch (error) {
      if (error instanceof AccessTokenError) throw invalidToken();
      throw error;
    }
  }
}
