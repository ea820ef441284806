import { Type } from 'typebox';
import { RefreshFailed } from '../../accounts/sessions.js';
import type { Services } from '../../services.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';
import { bearerToken, clearRefreshCookie, refreshCookie, setRefreshCookie } from './credentials.js';
import { authenticationRequired, invalidToken, tokenExpired } from './errors.js';

const tokenResponse = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.Optional(Type.String()),
});

/** GET /token: a refresh token (Bearer or the cookie /login set) in, a new access token and rotated refresh token out. */
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
      try {
        const issued = await services.sessions.refresh(presented, {
          clientId: null,
          policy: {
            accessTtl: config.sessionAccessTtl,
            refreshTtl: config.sessionRefreshTtl,
            maxAge: config.sessionMaxAge,
          },
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        const refreshToken = issued.refreshToken as string;
        setRefreshCookie(reply, config, refreshToken, config.sessionRefreshTtl);
        reply.header('cache-control', 'no-store');
        return { access_token: issued.accessToken.token, refresh_token: refreshToken };
      } catch (error) {
        if (!(error instanceof RefreshFailed)) throw error;
        clearRefreshCookie(reply, config);
        throw error.reason === 'expired' ? tokenExpired() : invalidToken();
      }
    },
  );
}
