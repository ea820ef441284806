import {
  keyRotationJson,
  keyRotationJsonSchema,
  signingKeyJson,
  signingKeyJsonSchema,
} from '../../presenters/signing-key.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';

const tags = ['admin'];

/** /admin/api/keys: the signing keys (public facts only) and their rotation. */
export function adminKeyRoutes(app: App, services: Services): void {
  app.get(
    '/keys',
    {
      schema: {
        summary: 'Signing keys: the active ones and the retired ones still published',
        tags,
        response: {
          200: {
            type: 'object',
            properties: { keys: { type: 'array', items: signingKeyJsonSchema } },
            required: ['keys'],
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function listKeys() {
      return { keys: (await services.keys.list()).map(signingKeyJson) };
    },
  );

  app.post(
    '/keys/rotate',
    {
      schema: {
        summary: 'Rotate every signing key: the new ones are published now and sign from signs_from',
        description:
          'Old public keys stay in the JWKS until every token they signed has expired, so no ' +
          'verifier refuses a token because of a rotation.',
        tags,
        response: { 200: keyRotationJsonSchema, ...sessionErrorResponses },
      },
    },
    async function rotateKeys(request) {
      const created = await services.keys.rotate(actorOf(request));
      return keyRotationJson(created, services.keys.activationDelaySeconds);
    },
  );
}
