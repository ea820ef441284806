import type { FastifyReply, FastifyRequest } from 'fastify';
import { maxServiceTokenDays } from '../../../accounts/service-accounts.js';
import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import { boundedText, keywordParameter, passwordParameter } from '../../schemas/parameters.js';
import type { App } from '../../types.js';
import { csrfToken } from '../browser-cookies.js';
import { type UserDetailView, userDetailPage } from '../templates/admin/user-detail.js';
import {
  administratorOf,
  consoleAction,
  consoleActor,
  flashMessage,
  formRefusal,
  redirectAfterPost,
} from './console-guard.js';
import { formConsumes, formResponses, pageResponses } from './page-schemas.js';

const idParams = { type: 'object', properties: { id: boundedText(64) }, required: ['id'] } as const;
const csrfOnly = { type: 'object', properties: { csrf_token: keywordParameter } } as const;
const doneQuery = { type: 'object', properties: { done: keywordParameter } } as const;

/**
 * GET /admin/users/{id} and its forms: disable / enable, set a password, end every session, and
 * for a service account issue a token (shown once) and revoke one.
 */
export function consoleUserRoutes(app: App, services: Services): void {
  async function view(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Partial<UserDetailView>,
  ): Promise<UserDetailView> {
    const user = await consoleAction(() => services.users.get({ id }));
    const [sessions, tokens] = await Promise.all([
      services.userSessions.list(user.id),
      user.kind === 'service' ? services.serviceTokens.listOfAccount(user.id) : Promise.resolve([]),
    ]);
    return {
      admin: administratorOf(request).user.username,
      csrfToken: csrfToken(request, reply, services),
      user,
      activeSessions: sessions.length,
      tokens,
      now: services.clock.now(),
      ...extra,
    };
  }

  app.get(
    '/admin/users/:id',
    {
      schema: {
        summary: 'Admin console: a user',
        tags: ['pages'],
        response: pageResponses,
        params: idParams,
        querystring: doneQuery,
      },
    },
    async function showUser(request, reply) {
      const page = await view(request, reply, request.params.id, { flash: flashMessage(request.query.done) });
      return sendHtml(reply, 200, userDetailPage(page));
    },
  );

  for (const action of ['disable', 'enable'] as const) {
    app.post(
      `/admin/users/:id/${action}`,
      {
        schema: {
          summary: `Admin console: ${action} a user`,
          tags: ['pages'],
          consumes: formConsumes,
          response: formResponses,
          params: idParams,
          body: csrfOnly,
        },
      },
      async function setDisabled(request, reply) {
        const { id } = request.params;
        await consoleAction(() =>
          services.users.setDisabled({ id }, action === 'disable', consoleActor(request)),
        );
        return redirectAfterPost(reply, `/admin/users/${id}`, action === 'disable' ? 'disabled' : 'enabled');
      },
    );
  }

  app.post(
    '/admin/users/:id/sessions/end',
    {
      schema: {
        summary: "Admin console: end a user's sessions",
        tags: ['pages'],
        consumes: formConsumes,
        response: formResponses,
        params: idParams,
        body: csrfOnly,
      },
    },
    async function endSessions(request, reply) {
      const { id } = request.params;
      await consoleAction(async () =>
        services.userSessions.endAll(await services.users.get({ id }), consoleActor(request)),
      );
      return redirectAfterPost(reply, `/admin/users/${id}`, 'sessions_ended');
    },
  );

  app.post(
    '/admin/users/:id/password',
    {
      schema: {
        summary: "Admin console: set a person's password",
        tags: ['pages'],
        consumes: formConsumes,
        response: formResponses,
        params: idParams,
        body: {
          type: 'object',
          properties: { csrf_token: keywordParameter, password: passwordParameter },
          required: ['password'],
        },
      },
    },
    async function setPassword(request, reply) {
      const { id } = request.params;
      try {
        await services.users.setPassword({ id }, request.body.password, consoleActor(request));
      } catch (error) {
        const refusal = formRefusal(error);
        if (refusal === undefined || refusal.status === 404) throw error;
        return sendHtml(
          reply,
          refusal.status,
          userDetailPage(await view(request, reply, id, { error: refusal.message })),
        );
      }
      return redirectAfterPost(reply, `/admin/users/${id}`, 'password_set');
    },
  );

  app.post(
    '/admin/users/:id/service-tokens',
    {
      schema: {
        summary: 'Admin console: issue a service-account token',
        tags: ['pages'],
        consumes: formConsumes,
        response: formResponses,
        params: idParams,
        body: {
          type: 'object',
          properties: {
            csrf_token: keywordParameter,
            expires_in_days: { type: 'string', pattern: '^[0-9]{1,3}$' },
          },
          required: ['expires_in_days'],
        },
      },
    },
    async function issueToken(request, reply) {
      const { id } = request.params;
      const days = Number(request.body.expires_in_days);
      if (days < 1 || days > maxServiceTokenDays) {
        const message = `A token is valid for 1 to ${maxServiceTokenDays} days`;
        return sendHtml(reply, 400, userDetailPage(await view(request, reply, id, { error: message })));
      }
      const issued = await consoleAction(() =>
        services.users.issueServiceToken({ id }, days, consoleActor(request)),
      );
      // Shown in this answer only: a token never goes into a URL or a later page.
      const token = {
        token: issued.accessToken.token,
        expiresAt: new Date(issued.accessToken.expiresAt * 1000),
      };
      return sendHtml(reply, 201, userDetailPage(await view(request, reply, id, { issued: token })));
    },
  );

  app.post(
    '/admin/service-tokens/:jti/revoke',
    {
      schema: {
        summary: 'Admin console: revoke a service-account token',
        tags: ['pages'],
        consumes: formConsumes,
        response: formResponses,
        params: { type: 'object', properties: { jti: boundedText(128) }, required: ['jti'] },
        body: csrfOnly,
      },
    },
    async function revokeToken(request, reply) {
      const record = await consoleAction(() =>
        services.serviceTokens.revoke(request.params.jti, consoleActor(request)),
      );
      return redirectAfterPost(reply, `/admin/users/${record.accountId}`, 'token_revoked');
    },
  );
}
