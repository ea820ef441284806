import { scopeJson, scopeJsonSchema } from '../../presenters/scope.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { boundedText } from '../schemas/parameters.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';

/** clients/scope.ts: a scope token is at most 128 characters. */
const scopeName = boundedText(128);
const scopeFields = {
  description: boundedText(500),
  /** User attributes the scope releases as claims (userinfo, ID token). */
  claims: { type: 'array', items: boundedText(64), maxItems: 100 },
  /** Only an administrator may put it on a client; users cannot take it on their API keys. */
  restricted: { type: 'boolean' },
} as const;
const scopeParams = {
  type: 'object',
  properties: { name: scopeName },
  required: ['name'],
} as const;

/** /admin/api/scopes: the registry of scopes clients may be granted, and the claims each releases. */
export function adminScopeRoutes(app: App, services: Services): void {
  app.get(
    '/scopes',
    {
      schema: {
        summary: 'List scopes (built-in ones first)',
        tags: ['admin'],
        response: {
          200: {
            type: 'object',
            properties: { scopes: { type: 'array', items: scopeJsonSchema } },
            required: ['scopes'],
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function listScopes() {
      return { scopes: (await services.scopes.list()).map(scopeJson) };
    },
  );

  app.post(
    '/scopes',
    {
      schema: {
        summary: 'Create a scope',
        tags: ['admin'],
        body: {
          type: 'object',
          properties: { name: scopeName, ...scopeFields },
          required: ['name'],
          additionalProperties: false,
        },
        response: { 201: scopeJsonSchema, ...sessionErrorResponses },
      },
    },
    async function createScope(request, reply) {
      const { name, description, claims, restricted } = request.body;
      const scope = await services.scopes.create(name, { description, claims, restricted }, actorOf(request));
      reply.status(201);
      return scopeJson(scope);
    },
  );

  app.patch(
    '/scopes/:name',
    {
      schema: {
        summary: "Change a scope's description, released claims or restriction (a list given replaces)",
        tags: ['admin'],
        params: scopeParams,
        body: { type: 'object', properties: scopeFields, additionalProperties: false },
        response: { 200: scopeJsonSchema, ...sessionErrorResponses },
      },
    },
    async function updateScope(request) {
      const { description, claims, restricted } = request.body;
      const scope = await services.scopes.update(
        request.params.name,
        { description, claims, restricted },
        actorOf(request),
      );
      return scopeJson(scope);
    },
  );

  app.delete(
    '/scopes/:name',
    {
      schema: {
        summary: 'Delete a scope no client or service account holds (built-in scopes stay)',
        description:
          'Refused with 409 CONFLICT for a built-in scope, and while a client or a service account ' +
          'still holds the scope: take it off them first (PATCH their scopes).',
        tags: ['admin'],
        params: scopeParams,
        response: { 204: { type: 'null' }, ...sessionErrorResponses },
      },
    },
    async function deleteScope(request, reply) {
      await services.scopes.delete(request.params.name, actorOf(request));
      reply.status(204).send(null);
    },
  );
}
