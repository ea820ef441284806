import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import { pageQueryProperties } from '../../schemas/paging.js';
import {
  boundedText,
  keywordParameter,
  passwordParameter,
  usernameParameter,
} from '../../schemas/parameters.js';
import type { App } from '../../types.js';
import { csrfToken } from '../browser-cookies.js';
import { type UsersView, usersPage } from '../templates/admin/users.js';
import { administratorOf, consoleActor, flashMessage, formRefusal } from './console-guard.js';
import { formConsumes, formResponses, pageResponses } from './page-schemas.js';

const pageSize = 25;

const listQuery = {
  type: 'object',
  properties: { q: boundedText(100), cursor: pageQueryProperties.cursor, done: keywordParameter },
} as const;

const createForm = {
  type: 'object',
  properties: {
    csrf_token: keywordParameter,
    username: usernameParameter,
    email: boundedText(254),
    first_name: boundedText(150),
    last_name: boundedText(150),
    password: passwordParameter,
    is_admin: { type: 'string', enum: ['true'] },
  },
  required: ['username'],
} as const;

/** GET /admin/users (search, paging) and POST /admin/users (create a person). */
export function consoleUserListRoutes(app: App, services: Services): void {
  async function view(
    request: FastifyRequest,
    reply: FastifyReply,
    search: string,
    cursor: string | undefined,
    extra: Partial<UsersView>,
  ): Promise<UsersView> {
    const page = await services.users.page({
      search: search === '' ? undefined : search,
      cursor,
      limit: pageSize,
    });
    const next =
      page.nextCursor === undefined
        ? null
        : `/admin/users?${new URLSearchParams({ ...(search === '' ? {} : { q: search }), cursor: page.nextCursor })}`;
    return {
      admin: administratorOf(request).user.username,
      csrfToken: csrfToken(request, reply, services),
      search,
      users: page.users,
      nextHref: next,
      ...extra,
    };
  }

  app.get(
    '/admin/users',
    {
      schema: {
        summary: 'Admin console: users',
        tags: ['pages'],
        response: pageResponses,
        querystring: listQuery,
      },
    },
    async function showUsers(request, reply) {
      const { q = '', cursor, done } = request.query;
      return sendHtml(
        reply,
        200,
        usersPage(await view(request, reply, q.trim(), cursor, { flash: flashMessage(done) })),
      );
    },
  );

  app.post(
    '/admin/users',
    {
      schema: {
        summary: 'Admin console: create a person',
        tags: ['pages'],
        consumes: formConsumes,
        response: formResponses,
        body: createForm,
      },
    },
    async function createUser(request, reply) {
      const form = request.body;
      const nonEmpty = (value: string | undefined) =>
        value === undefined || value === '' ? undefined : value;
      try {
        const { user, generatedPassword } = await services.users.create(
          {
            username: form.username,
            email: nonEmpty(form.email),
            firstName: nonEmpty(form.first_name),
            lastName: nonEmpty(form.last_name),
            password: nonEmpty(form.password),
            isAdmin: form.is_admin === 'true',
          },
          consoleActor(request),
        );
        // Re-rendered rather than redirected: a generated password is shown once, never put in a URL.
        const created = { user, password: generatedPassword };
        return sendHtml(reply, 200, usersPage(await view(request, reply, '', undefined, { created })));
      } catch (error) {
        const refusal = formRefusal(error);
        if (refusal === undefined) throw error;
        return sendHtml(
          reply,
          refusal.status,
          usersPage(await view(request, reply, '', undefined, { error: refusal.message })),
        );
      }
    },
  );
}
