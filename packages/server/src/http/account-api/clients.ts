import { clientJson, clientSecretJson } from '../../presenters/client.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { callerOf } from '../api/api-scope.js';
import { missingBodyAsEmpty } from '../api/optional-body.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';
import {
  clientParams,
  createdOwnClientSchema,
  createOwnClientBody,
  ownClientListSchema,
  rotatedSecretSchema,
  rotateOwnClientBody,
  usageQuery,
  usageSchema,
} from './client-schemas.js';

const tags = ['account'];
const defaultUsageDays = 30;

/**
 * The signed-in person's own clients (clients/own-clients.ts): personal API clients (Flume) and
 * API keys (WorkFlux): create (the secret shown once), list, rotate with an overlap, revoke,
 * usage per day. The rate-limit tier is not theirs to set: an administrator sets it.
 */
export function accountClientRoutes(app: App, services: Services): void {
  app.post(
    '/clients',
    {
      schema: {
        summary: 'Create a personal API client or an API key',
        tags,
        body: createOwnClientBody,
        response: { 201: createdOwnClientSchema, ...sessionErrorResponses },
      },
    },
    async function createOwnClient(request, reply) {
      const { name, kind, scopes } = request.body;
      const { client, secret } = await services.ownClients.create(
        callerOf(request).user,
        { name, kind, scopes },
        actorOf(request),
      );
      reply.status(201).header('cache-control', 'no-store');
      return {
        client_id: client.id,
        client_secret: secret,
        kind: client.kind ?? kind,
        name: client.name,
        scopes: [...client.scopes],
        created_at: client.createdAt.toISOString(),
      };
    },
  );

  app.get(
    '/clients',
    {
      schema: {
        summary: 'Your personal clients and API keys, with their secrets’ last use (never a secret)',
        tags,
        response: { 200: ownClientListSchema, ...sessionErrorResponses },
      },
    },
    async function listOwnClients(request, reply) {
      const owned = await services.ownClients.list(callerOf(request).user);
      reply.header('cache-control', 'no-store');
      return {
        clients: owned.map(({ client, secrets }) => ({
          ...clientJson(client),
          secrets: secrets.map(clientSecretJson),
        })),
      };
    },
  );

  app.post(
    '/clients/:client_id/rotate',
    {
      preValidation: missingBodyAsEmpty,
      schema: {
        summary: 'Issue a new secret; the previous one works until previous_secret_expires_at',
        description:
          'At most one previous secret: rotating again during an overlap ends the older one at once.',
        tags,
        params: clientParams,
        body: rotateOwnClientBody,
        response: { 200: rotatedSecretSchema, ...sessionErrorResponses },
      },
    },
    async function rotateOwnClient(request, reply) {
      const rotated = await services.ownClients.rotate(
        callerOf(request).user,
        request.params.client_id,
        request.body.overlap_seconds ?? 0,
        actorOf(request),
      );
      reply.header('cache-control', 'no-store');
      return {
        client_secret: rotated.secret,
        previous_secret_expires_at: rotated.previousSecretExpiresAt?.toISOString() ?? null,
      };
    },
  );

  app.delete(
    '/clients/:client_id',
    {
      schema: {
        summary: 'Revoke a client: its secrets and tokens are refused at once, on every instance',
        tags,
        params: clientParams,
        response: { 204: { type: 'null' }, ...sessionErrorResponses },
      },
    },
    async function revokeOwnClient(request, reply) {
      await services.ownClients.revoke(callerOf(request).user, request.params.client_id, actorOf(request));
      reply.status(204);
    },
  );

  app.get(
    '/clients/:client_id/usage',
    {
      schema: {
        summary: 'Token requests per UTC day, granted and refused, oldest first',
        description:
          'One entry per day of the window, zero-filled. Counts are written in batches, every ' +
          'TESSERA_USAGE_FLUSH_INTERVAL seconds: the last seconds may not be in yet.',
        tags,
        params: clientParams,
        querystring: usageQuery,
        response: { 200: usageSchema, ...sessionErrorResponses },
      },
    },
    async function ownClientUsage(request) {
      const days = request.query.days === undefined ? defaultUsageDays : Number(request.query.days);
      const usage = await services.ownClients.usage(callerOf(request).user, request.params.client_id, days);
      return { days: usage };
    },
  );
}
