import { consentJson, consentJsonSchema } from '../../presenters/consent.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { callerOf } from '../api/api-scope.js';
import { clientIdParameter } from '../schemas/parameters.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';

const tags = ['account'];

/** The apps the signed-in person let act for them (connected apps). */
export function accountConsentRoutes(app: App, services: Services): void {
  app.get(
    '/consents',
    {
      schema: {
        summary: 'The apps you consented to, and the scopes you allowed each',
        tags,
        response: {
          200: {
            type: 'object',
            properties: { consents: { type: 'array', items: consentJsonSchema } },
            required: ['consents'],
            additionalProperties: false,
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function listOwnConsents(request) {
      const consents = await services.userConsents.list(callerOf(request).user.id);
      return { consents: consents.map(consentJson) };
    },
  );

  app.delete(
    '/consents/:client_id',
    {
      schema: {
        summary: 'Withdraw a consent: the app must ask again, and its sessions for you end now',
        tags,
        params: {
          type: 'object',
          properties: { client_id: clientIdParameter },
          required: ['client_id'],
          additionalProperties: false,
        },
        response: { 204: { type: 'null' }, ...sessionErrorResponses },
      },
    },
    async function withdrawOwnConsent(request, reply) {
      await services.userConsents.withdraw(
        callerOf(request).user.id,
        request.params.client_id,
        actorOf(request),
      );
      reply.status(204);
    },
  );
}
