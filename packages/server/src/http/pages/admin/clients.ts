import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import { pageQueryProperties } from '../../schemas/paging.js';
import { boundedText, keywordParameter } from '../../schemas/parameters.js';
import type { App } from '../../types.js';
import { csrfToken } from '../browser-cookies.js';
import { type ClientsView, clientsPage } from '../templates/admin/clients.js';
import {
  administratorOf,
  consoleAction,
  consoleActor,
  flashMessage,
  redirectAfterPost,
} from './console-guard.js';
import { formConsumes, formResponses, pageResponses } from './page-schemas.js';

const pageSize = 25;
const clientParams = { type: 'object', properties: { id: boundedText(128) }, required: ['id'] } as const;
const csrfOnly = { type: 'object', properties: { csrf_token: keywordParameter } } as const;
/** An admin's rotation here ends the old secret at once; an overlap is for owners who deploy (the API has one). */
const rotationOverlapSeconds = 0;

/** GET /admin/clients (every kind, with its owner), revoke and rotate. */
export function consoleClientRoutes(app: App, services: Services): void {
  async function view(
    request: FastifyRequest,
    reply: FastifyReply,
    cursor: string | undefined,
    extra: Partial<ClientsView>,
  ): Promise<ClientsView> {
    const page = await consoleAction(() => services.clients.page({ cursor, limit: pageSize }));
    const ownerIds = [
      ...new Set(page.clients.flatMap((c) => (c.ownerUserId === null ? [] : [c.ownerUserId]))),
    ];
    const owners = new Map<string, string>();
    for (const id of ownerIds) {
      const owner = await services.users.get({ id }).catch(() => undefined);
      if (owner !== undefined) owners.set(id, owner.username);
    }
    return {
      admin: administratorOf(request).user.username,
      csrfToken: csrfToken(request, reply, services),
      clients: page.clients,
      owners,
      nextHref:
        page.nextCursor === null
          ? null
          : `/admin/clients?${new URLSearchParams({ cursor: page.nextCursor })}`,
      ...extra,
    };
  }

  app.get(
    '/admin/clients',
    {
      schema: {
        summary: 'Admin console: clients and API keys',
        tags: ['pages'],
        response: pageResponses,
        querystring: {
          type: 'object',
          properties: { cursor: pageQueryProperties.cursor, done: keywordParameter },
        },
      },
    },
    async function showClients(request, reply) {
      const { cursor, done } = request.query;
      return sendHtml(
        reply,
        200,
        clientsPage(await view(request, reply, cursor, { flash: flashMessage(done) })),
      );
    },
  );

  app.post(
    '/admin/clients/:id/revoke',
    {
      schema: {
        summary: 'Admin console: revoke a client',
        tags: ['pages'],
        consumes: formConsumes,
        response: formResponses,
        params: clientParams,
        body: csrfOnly,
      },
    },
    async function revokeClient(request, reply) {
      await consoleAction(() => services.clients.revoke(request.params.id, consoleActor(request)));
      return redirectAfterPost(reply, '/admin/clients', 'client_revoked');
    },
  );

  app.post(
    '/admin/clients/:id/rotate',
    {
      schema: {
        summary: "Admin console: rotate a client's secret",
        tags: ['pages'],
        consumes: formConsumes,
        response: formResponses,
        params: clientParams,
        body: csrfOnly,
      },
    },
    async function rotateClientSecret(request, reply) {
      const { id } = request.params;
      const rotated = await consoleAction(() =>
        services.clients.rotateSecret(id, rotationOverlapSeconds, consoleActor(request)),
      );
      // The new secret is shown in this answer only, never in a URL.
      const shown = {
        clientId: id,
        secret: rotated.secret,
        previousExpiresAt: rotated.previousSecretExpiresAt,
      };
      return sendHtml(reply, 200, clientsPage(await view(request, reply, undefined, { rotated: shown })));
    },
  );
}
