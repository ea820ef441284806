import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BrowserUser } from '../../../oauth/authorize/authorization-flow.js';
import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import { clientIdParameter, keywordParameter } from '../../schemas/parameters.js';
import type { App } from '../../types.js';
import { csrfToken } from '../browser-cookies.js';
import { appsPage } from '../templates/account/apps.js';
import { type Flash, noticeOf, refusalOf } from './form-outcome.js';
import { doneQuery, pageResponses, postResponses } from './page-schemas.js';
import { pageActor, signedInOrRedirect } from './signed-in.js';

const removeForm = {
  type: 'object',
  properties: { csrf_token: keywordParameter, client_id: clientIdParameter },
} as const;
const tags = ['pages'];

/** GET /account/apps (connected apps) and POST /account/apps/remove (withdraw a consent). */
export function appPages(app: App, services: Services): void {
  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    signedIn: BrowserUser,
    status: number,
    flash: Flash,
  ) {
    return sendHtml(
      reply,
      status,
      appsPage({
        username: signedIn.user.username,
        csrfToken: csrfToken(request, reply, services),
        consents: await services.userConsents.list(signedIn.user.id),
        ...flash,
      }),
    );
  }

  app.get(
    '/account/apps',
    {
      schema: {
        summary: 'Account portal: connected apps',
        tags,
        querystring: doneQuery,
        response: pageResponses,
      },
    },
    async function showApps(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      return render(request, reply, signedIn, 200, noticeOf(request.query.done));
    },
  );

  app.post(
    '/account/apps/remove',
    { schema: { summary: 'Remove an app’s access', tags, body: removeForm, response: postResponses } },
    async function removeApp(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      try {
        await services.userConsents.withdraw(
          signedIn.user.id,
          request.body.client_id ?? '',
          pageActor(request, signedIn),
        );
      } catch (error) {
        const { status, message } = refusalOf(error);
        return render(request, reply, signedIn, status, { error: message });
      }
      return reply.redirect('/account/apps?done=app-removed', 303);
    },
  );
}
