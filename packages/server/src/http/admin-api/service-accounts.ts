import { maxServiceTokenDays } from '../../accounts/service-accounts.js';
import {
  issuedServiceTokenJson,
  issuedServiceTokenJsonSchema,
  serviceAccountJson,
  serviceAccountJsonSchema,
  serviceTokenJson,
  serviceTokenJsonSchema,
} from '../../presenters/service-account.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { boundedText } from '../schemas/parameters.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';
import { userParams } from './user-schemas.js';

const tags = ['admin'];
const names = { type: 'array', items: boundedText(128), maxItems: 100 } as const;

/**
 * /admin/api/service-accounts and service-account tokens. A service account is a user
 * (is_service_account): it is disabled, enabled and changed through /admin/api/users/{id}.
 * Its tokens are long-lived access tokens, each in a session of its own: listed without their
 * text, revoked one at a time by `jti`.
 */
export function adminServiceAccountRoutes(app: App, services: Services): void {
  app.get(
    '/service-accounts',
    {
      schema: {
        summary: 'List service accounts',
        tags,
        response: {
          200: {
            type: 'object',
            properties: { service_accounts: { type: 'array', items: serviceAccountJsonSchema } },
            required: ['service_accounts'],
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function listServiceAccounts() {
      return { service_accounts: (await services.users.list('service')).map(serviceAccountJson) };
    },
  );

  app.post(
    '/service-accounts',
    {
      schema: {
        summary: 'Create a service account with the scopes its tokens carry',
        tags,
        body: {
          type: 'object',
          properties: { name: boundedText(150), scopes: names, permissions: names },
          required: ['name'],
          additionalProperties: false,
        },
        response: { 201: serviceAccountJsonSchema, ...sessionErrorResponses },
      },
    },
    async function createServiceAccount(request, reply) {
      const { name, scopes, permissions } = request.body;
      const account = await services.users.createServiceAccount(
        { name, scopes, permissions },
        actorOf(request),
      );
      reply.status(201);
      return serviceAccountJson(account);
    },
  );

  app.post(
    '/users/:id/service-tokens',
    {
      schema: {
        summary: "Issue a service account's long-lived token (shown in this answer only)",
        tags,
        params: userParams,
        body: {
          type: 'object',
          properties: {
            expires_in_days: {
              type: 'integer',
              minimum: 1,
              maximum: maxServiceTokenDays,
              description: 'How long the token lives, in whole days',
            },
          },
          required: ['expires_in_days'],
          additionalProperties: false,
        },
        response: { 201: issuedServiceTokenJsonSchema, ...sessionErrorResponses },
      },
    },
    async function issueServiceToken(request, reply) {
      const issued = await services.users.issueServiceToken(
        { id: request.params.id },
        request.body.expires_in_days,
        actorOf(request),
      );
      reply.status(201).header('cache-control', 'no-store');
      return issuedServiceTokenJson(issued);
    },
  );

  app.get(
    '/users/:id/service-tokens',
    {
      schema: {
        summary: "A service account's tokens, newest first (never their text)",
        tags,
        params: userParams,
        response: {
          200: {
            type: 'object',
            properties: { tokens: { type: 'array', items: serviceTokenJsonSchema } },
            required: ['tokens'],
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function listServiceTokens(request) {
      const account = await services.users.get({ id: request.params.id });
      const tokens = await services.serviceTokens.listOfAccount(account.id);
      const now = services.clock.now();
      return { tokens: tokens.map((token) => serviceTokenJson(token, now)) };
    },
  );

  app.delete(
    '/service-tokens/:jti',
    {
      schema: {
        summary: 'Revoke one service-account token: refused at once, everywhere; the others keep working',
        tags,
        params: {
          type: 'object',
          properties: { jti: boundedText(128) },
          required: ['jti'],
        },
        response: { 204: { type: 'null' }, ...sessionErrorResponses },
      },
    },
    async function revokeServiceToken(request, reply) {
      await services.serviceTokens.revoke(request.params.jti, actorOf(request));
      reply.status(204).send(null);
    },
  );
}
