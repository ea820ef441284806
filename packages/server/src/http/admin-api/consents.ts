import { consentJson, consentJsonSchema } from '../../presenters/consent.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { clientIdParameter } from '../schemas/parameters.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';
import { userParams } from './user-schemas.js';

const tags = ['admin'];

/** A user's consents: the apps they let in, and withdrawing one (which ends its sessions). */
export function adminConsentRoutes(app: App, services: Services): void {
  app.get(
    '/users/:id/consents',
    {
      schema: {
        summary: 'The clients a user consented to, with the scopes allowed',
        tags,
        params: userParams,
        response: {
          200: {
            type: 'object',
            properties: { consents: { type: 'array', items: consentJsonSchema } },
            required: ['consents'],
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function listConsents(request) {
      const user = await services.users.get({ id: request.params.id });
      return { consents: (await services.userConsents.list(user.id)).map(consentJson) };
    },
  );

  app.delete(
    '/users/:id/consents/:client_id',
    {
      schema: {
        summary: "Withdraw a user's consent: the client must ask again, and its sessions with the user end",
        tags,
        params: {
          type: 'object',
          properties: { ...userParams.properties, client_id: clientIdParameter },
          required: ['id', 'client_id'],
        },
        response: { 204: { type: 'null' }, ...sessionErrorResponses },
      },
    },
    async function withdrawConsent(request, reply) {
      const user = await services.users.get({ id: request.params.id });
      await services.userConsents.withdraw(user.id, request.params.client_id, actorOf(request));
      reply.status(204).send(null);
    },
  );
}
