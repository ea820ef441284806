import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import { boundedText, keywordParameter } from '../../schemas/parameters.js';
import type { App } from '../../types.js';
import { csrfToken } from '../browser-cookies.js';
import { type ScopesView, scopesPage } from '../templates/admin/scopes.js';
import {
  administratorOf,
  consoleActor,
  flashMessage,
  formRefusal,
  redirectAfterPost,
} from './console-guard.js';
import { formConsumes, formResponses, pageResponses } from './page-schemas.js';

/** GET /admin/scopes and POST /admin/scopes (create). */
export function consoleScopeRoutes(app: App, services: Services): void {
  async function view(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Partial<ScopesView>,
  ): Promise<ScopesView> {
    return {
      admin: administratorOf(request).user.username,
      csrfToken: csrfToken(request, reply, services),
      scopes: await services.scopes.list(),
      ...extra,
    };
  }

  app.get(
    '/admin/scopes',
    {
      schema: {
        summary: 'Admin console: scopes',
        tags: ['pages'],
        response: pageResponses,
        querystring: { type: 'object', properties: { done: keywordParameter } },
      },
    },
    async function showScopes(request, reply) {
      return sendHtml(
        reply,
        200,
        scopesPage(await view(request, reply, { flash: flashMessage(request.query.done) })),
      );
    },
  );

  app.post(
    '/admin/scopes',
    {
      schema: {
        summary: 'Admin console: create a scope',
        tags: ['pages'],
        consumes: formConsumes,
        response: formResponses,
        body: {
          type: 'object',
          properties: {
            csrf_token: keywordParameter,
            name: boundedText(128),
            description: boundedText(500),
            restricted: { type: 'string', enum: ['true'] },
          },
          required: ['name'],
        },
      },
    },
    async function createScope(request, reply) {
      const { name, description, restricted } = request.body;
      try {
        await services.scopes.create(
          name.trim(),
          { description: description?.trim() ?? '', restricted: restricted === 'true' },
          consoleActor(request),
        );
      } catch (error) {
        const refusal = formRefusal(error);
        if (refusal === undefined) throw error;
        return sendHtml(
          reply,
          refusal.status,
          scopesPage(await view(request, reply, { error: refusal.message })),
        );
      }
      return redirectAfterPost(reply, '/admin/scopes', 'scope_created');
    },
  );
}
