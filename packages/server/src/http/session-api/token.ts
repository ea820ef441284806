import { RefreshFailed } from '../../accounts/refresh-errors.js';
import type { Services } from '../../services.js';
import { tokenKind } from '../../tokens/token-kind.js';
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
 * clients refresh): a new access token. The rules live in accounts/session-api.ts.
 */
export function tokenRoute(app: App, services: Services): void {
  const { config, sessionApi } = services;
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
      reply.header('cache-control', 'no-store');
      try {
        const issued = await sessionApi.refresh(presented, {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        if (issued.refreshToken === undefined) return { access_token: issued.accessToken };
        setRefreshCookie(reply, config, issued.refreshToken, sessionApi.refreshTtl);
        return { access_token: issued.accessToken, refresh_token: issued.refreshToken };
      } catch (error) {
        if (!(error instanceof RefreshFailed)) throw error;
        if (tokenKind(presented) === 'opaque') clearRefreshCookie(reply, config);
        throw error.reason === 'expired' ? tokenExpired() : invalidToken();
      }
    },
  );
}
