import { clientJson, clientJsonSchema } from '../../presenters/client.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { missingBodyAsEmpty } from '../api/optional-body.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import { badRequest } from '../session-api/errors.js';
import type { App } from '../types.js';
import {
  clientPageSchema,
  clientParams,
  createClientBody,
  issuedClientSchema,
  listClientsQuery,
  rotatedSecretSchema,
  rotateSecretBody,
  updateClientBody,
} from './client-schemas.js';

const tags = ['admin'];
const noContent = { 204: { type: 'null' }, ...sessionErrorResponses } as const;

/** /admin/api/clients: register, list, change, rotate the secret of, revoke and delete OAuth clients. */
export function adminClientRoutes(app: App, services: Services): void {
  app.post(
    '/clients',
    {
      schema: {
        summary: 'Register a client; a confidential one gets its secret in this answer only',
        tags,
        body: createClientBody,
        response: { 201: issuedClientSchema, ...sessionErrorResponses },
      },
    },
    async function createClient(request, reply) {
      const body = request.body;
      const { client, secret } = await services.clients.create(
        {
          ...registration(body),
          name: body.name,
          type: body.type,
          ownerUserId: body.owner_user_id,
        },
        actorOf(request),
      );
      reply.status(201).header('cache-control', 'no-store');
      return { ...clientJson(client), ...(secret === undefined ? {} : { client_secret: secret }) };
    },
  );

  app.get(
    '/clients',
    {
      schema: {
        summary: 'List clients in creation order, a page at a time',
        tags,
        querystring: listClientsQuery,
        response: { 200: clientPageSchema, ...sessionErrorResponses },
      },
    },
    async function listClients(request) {
      const { search, owner_user_id, kind, cursor, limit } = request.query;
      const page = await services.clients.page({
        search,
        ownerUserId: owner_user_id,
        kind: kind === 'registered' ? null : kind,
        cursor,
        limit: limit === undefined ? undefined : Number(limit),
      });
      return { clients: page.clients.map(clientJson), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/clients/:client_id',
    {
      schema: {
        summary: 'One client',
        tags,
        params: clientParams,
        response: { 200: clientJsonSchema, ...sessionErrorResponses },
      },
    },
    async function getClient(request) {
      return clientJson(await services.clients.get(request.params.client_id));
    },
  );

  app.patch(
    '/clients/:client_id',
    {
      schema: {
        summary: "Change a client's registration: each field given replaces the client's (null clears)",
        tags,
        params: clientParams,
        body: updateClientBody,
        response: { 200: clientJsonSchema, ...sessionErrorResponses },
      },
    },
    async function updateClient(request) {
      const changes = registration(request.body);
      if (Object.values(changes).every((value) => value === undefined))
        throw badRequest('Nothing to change: give at least one field');
      const client = await services.clients.update(request.params.client_id, changes, actorOf(request));
      return clientJson(client);
    },
  );

  app.post(
    '/clients/:client_id/rotate-secret',
    {
      preValidation: missingBodyAsEmpty,
      schema: {
        summary: 'Issue a new secret; the previous one works until the overlap ends',
        tags,
        params: clientParams,
        body: rotateSecretBody,
        response: { 200: rotatedSecretSchema, ...sessionErrorResponses },
      },
    },
    async function rotateClientSecret(request, reply) {
      const overlap = request.body.overlap_seconds ?? 0;
      const rotated = await services.clients.rotateSecret(
        request.params.client_id,
        overlap,
        actorOf(request),
      );
      reply.header('cache-control', 'no-store');
      return {
        client_secret: rotated.secret,
        previous_secret_expires_at: rotated.previousSecretExpiresAt?.toISOString() ?? null,
      };
    },
  );

  app.post(
    '/clients/:client_id/revoke',
    {
      schema: {
        summary: 'Revoke a client: its secrets stop working and its tokens are refused at once',
        tags,
        params: clientParams,
        response: { 200: clientJsonSchema, ...sessionErrorResponses },
      },
    },
    async function revokeClient(request) {
      return clientJson(await services.clients.revoke(request.params.client_id, actorOf(request)));
    },
  );

  app.delete(
    '/clients/:client_id',
    {
      schema: {
        summary: 'Delete a client with its sessions, refresh tokens, codes and consents',
        description: 'Its tokens are refused at once; its audit events stay.',
        tags,
        params: clientParams,
        response: noContent,
      },
    },
    async function deleteClient(request, reply) {
      await services.clients.delete(request.params.client_id, actorOf(request));
      reply.status(204).send(null);
    },
  );
}

/** The body's registration fields in ClientService's words; a field left out stays undefined. */
function registration(body: {
  name?: string;
  grant_types?: string[];
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  scopes?: string[];
  access_token_ttl?: number | null;
  refresh_token_ttl?: number | null;
  first_party?: boolean;
  id_token_signed_response_alg?: string;
  introspection?: boolean;
  rate_limit_tier?: string | null;
  rate_limit?: number | null;
}) {
  return {
    name: body.name,
    grantTypes: body.grant_types,
    redirectUris: body.redirect_uris,
    postLogoutRedirectUris: body.post_logout_redirect_uris,
    scopes: body.scopes,
    accessTokenTtl: body.access_token_ttl,
    refreshTokenTtl: body.refresh_token_ttl,
    firstParty: body.first_party,
    idTokenSignedResponseAlg: body.id_token_signed_response_alg,
    introspection: body.introspection,
    rateLimitTier: body.rate_limit_tier,
    rateLimit: body.rate_limit,
  };
}
