import { sessionJson, sessionJsonSchema } from '../../presenters/session.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { callerOf } from '../api/api-scope.js';
import { boundedText } from '../schemas/parameters.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';

const tags = ['account'];

const ownSessionSchema = {
  ...sessionJsonSchema,
  properties: {
    ...sessionJsonSchema.properties,
    current: { type: 'boolean', description: 'The session this request comes from' },
  },
  required: [...sessionJsonSchema.required, 'current'],
} as const;

/** The signed-in person's sessions: every sign-in, app grant and device, each endable. */
export function accountSessionRoutes(app: App, services: Services): void {
  app.get(
    '/sessions',
    {
      schema: {
        summary: 'Your live sessions, newest first',
        tags,
        response: {
          200: {
            type: 'object',
            properties: { sessions: { type: 'array', items: ownSessionSchema } },
            required: ['sessions'],
            additionalProperties: false,
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function listOwnSessions(request) {
      const caller = callerOf(request);
      const sessions = await services.userSessions.list(caller.user.id);
      return {
        sessions: sessions.map((s) => ({ ...sessionJson(s), current: s.id === caller.sessionId })),
      };
    },
  );

  app.delete(
    '/sessions/:id',
    {
      schema: {
        summary: 'End one of your sessions (the current one too: that signs you out)',
        tags,
        params: {
          type: 'object',
          properties: { id: boundedText(64) },
          required: ['id'],
          additionalProperties: false,
        },
        response: { 204: { type: 'null' }, ...sessionErrorResponses },
      },
    },
    async function endOwnSession(request, reply) {
      const caller = callerOf(request);
      await services.userSessions.end(request.params.id, actorOf(request), {
        ownerId: caller.user.id,
        reason: 'ended_by_user',
      });
      reply.status(204);
    },
  );

  app.post(
    '/sessions/end-others',
    {
      schema: {
        summary: 'End every session of yours but this one',
        tags,
        response: {
          200: {
            type: 'object',
            properties: { ended: { type: 'integer', description: 'How many sessions ended' } },
            required: ['ended'],
            additionalProperties: false,
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function endOtherSessions(request) {
      const caller = callerOf(request);
      const ended = await services.userSessions.endAll(caller.user, actorOf(request), {
        filter: { exceptId: caller.sessionId },
        reason: 'ended_by_user',
      });
      return { ended };
    },
  );
}
