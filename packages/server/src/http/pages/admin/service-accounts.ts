import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import { boundedText, keywordParameter } from '../../schemas/parameters.js';
import type { App } from '../../types.js';
import { csrfToken } from '../browser-cookies.js';
import { type ServiceAccountsView, serviceAccountsPage } from '../templates/admin/service-accounts.js';
import {
  administratorOf,
  consoleActor,
  flashMessage,
  formRefusal,
  redirectAfterPost,
} from './console-guard.js';
import { formConsumes, formResponses, pageResponses } from './page-schemas.js';

/** GET /admin/service-accounts and POST /admin/service-accounts (create); tokens are on each account's page. */
export function consoleServiceAccountRoutes(app: App, services: Services): void {
  async function view(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Partial<ServiceAccountsView>,
  ): Promise<ServiceAccountsView> {
    return {
      admin: administratorOf(request).user.username,
      csrfToken: csrfToken(request, reply, services),
      accounts: await services.users.list('service'),
      ...extra,
    };
  }

  app.get(
    '/admin/service-accounts',
    {
      schema: {
        summary: 'Admin console: service accounts',
        tags: ['pages'],
        response: pageResponses,
        querystring: { type: 'object', properties: { done: keywordParameter } },
      },
    },
    async function showServiceAccounts(request, reply) {
      const page = await view(request, reply, { flash: flashMessage(request.query.done) });
      return sendHtml(reply, 200, serviceAccountsPage(page));
    },
  );

  app.post(
    '/admin/service-accounts',
    {
      schema: {
        summary: 'Admin console: create a service account',
        tags: ['pages'],
        consumes: formConsumes,
        response: formResponses,
        body: {
          type: 'object',
          properties: { csrf_token: keywordParameter, name: boundedText(150), scopes: boundedText(1000) },
          required: ['name'],
        },
      },
    },
    async function createServiceAccount(request, reply) {
      const scopes = (request.body.scopes ?? '').split(/\s+/).filter((s) => s !== '');
      try {
        const account = await services.users.createServiceAccount(
          { name: request.body.name.trim(), scopes },
          consoleActor(request),
        );
        return redirectAfterPost(reply, `/admin/users/${account.id}`, 'service_account_created');
      } catch (error) {
        const refusal = formRefusal(error);
        if (refusal === undefined) throw error;
        const page = await view(request, reply, { error: refusal.message });
        return sendHtml(reply, refusal.status, serviceAccountsPage(page));
      }
    },
  );
}
