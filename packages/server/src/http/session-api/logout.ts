import type { Services } from '../../services.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';
import { authenticateUser } from './authenticate.js';
import { clearRefreshCookie } from './credentials.js';

/**
 * POST /logout: ends the session of the presented access token. That token and every refresh
 * token of the session stop working on this server at once; resource servers that verify JWTs
 * offline learn of it through introspection or when the token expires.
 */
export function logoutRoute(app: App, services: Services): void {
  app.post(
    '/logout',
    {
      schema: {
        summary: 'End the session',
        tags: ['session'],
        response: {
          200: { type: 'object', properties: { logged_out: { type: 'boolean' } }, required: ['logged_out'] },
          ...sessionErrorResponses,
        },
      },
    },
    async function logout(request, reply) {
      const { claims, user } = await authenticateUser(request, services);
      const sessionId = claims.sid as string;
      await services.sessionApi.logout(user, sessionId, {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      clearRefreshCookie(reply, services.config);
      reply.header('cache-control', 'no-store');
      return { logged_out: true };
    },
  );
}
