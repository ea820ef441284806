import { sessionJson, sessionJsonSchema } from '../../presenters/session.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { boundedText } from '../schemas/parameters.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';
import { userParams } from './user-schemas.js';

const tags = ['admin'];

/**
 * A user's sessions: the session API's, OAuth grants', the browser's and each service-account
 * token's. Ending one refuses its access tokens at once and kills its refresh tokens.
 */
export function adminSessionRoutes(app: App, services: Services): void {
  app.get(
    '/users/:id/sessions',
    {
      schema: {
        summary: "A user's sessions, newest first: the live ones, or all kept (ended ones a week)",
        tags,
        params: userParams,
        querystring: {
          type: 'object',
          properties: {
            include_ended: {
              type: 'string',
              enum: ['true', 'false'],
              description: 'Also the ended and expired sessions not yet purged',
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { sessions: { type: 'array', items: sessionJsonSchema } },
            required: ['sessions'],
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function listSessions(request) {
      const user = await services.users.get({ id: request.params.id });
      const sessions = await services.userSessions.list(user.id, {
        includeEnded: request.query.include_ended === 'true',
      });
      return { sessions: sessions.map(sessionJson) };
    },
  );

  app.post(
    '/users/:id/sessions/end',
    {
      schema: {
        summary: "End every session of a user (a service account's tokens included)",
        tags,
        params: userParams,
        response: {
          200: {
            type: 'object',
            properties: { ended: { type: 'integer', description: 'How many sessions ended' } },
            required: ['ended'],
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function endUserSessions(request) {
      const user = await services.users.get({ id: request.params.id });
      return { ended: await services.userSessions.endAll(user, actorOf(request)) };
    },
  );

  app.delete(
    '/sessions/:id',
    {
      schema: {
        summary: 'End one session',
        tags,
        params: { type: 'object', properties: { id: boundedText(64) }, required: ['id'] },
        response: { 204: { type: 'null' }, ...sessionErrorResponses },
      },
    },
    async function endSession(request, reply) {
      await services.userSessions.end(request.params.id, actorOf(request));
      reply.status(204).send(null);
    },
  );
}
