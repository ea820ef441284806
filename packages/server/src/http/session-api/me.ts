import { userObject, userObjectSchema } from '../../presenters/user-object.js';
import type { Services } from '../../services.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';
import { authenticateUser } from './authenticate.js';

/** GET /me: the signed-in user. */
export function meRoute(app: App, services: Services): void {
  app.get(
    '/me',
    {
      schema: {
        summary: 'The signed-in user',
        tags: ['session'],
        response: { 200: userObjectSchema, ...sessionErrorResponses },
      },
    },
    async function me(request, reply) {
      const { user } = await authenticateUser(request, services);
      reply.header('cache-control', 'no-store');
      return userObject(user);
    },
  );
}
