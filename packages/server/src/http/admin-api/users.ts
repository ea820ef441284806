import type { UpdateUserInput } from '../../accounts/user-service.js';
import { adminUserJson, adminUserJsonSchema } from '../../presenters/user.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { pageLimit } from '../schemas/paging.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import { badRequest } from '../session-api/errors.js';
import type { App } from '../types.js';
import {
  createdUserSchema,
  createUserBody,
  listUsersQuery,
  passwordBody,
  updateUserBody,
  userPageSchema,
  userParams,
} from './user-schemas.js';

const tags = ['admin'];
const userResponse = { 200: adminUserJsonSchema, ...sessionErrorResponses } as const;
const noContent = { 204: { type: 'null' }, ...sessionErrorResponses } as const;

/**
 * /admin/api/users: people and service accounts by id. Create, list (search, cursor paging),
 * read, change, disable / enable, delete, set a password.
 */
export function adminUserRoutes(app: App, services: Services): void {
  app.post(
    '/users',
    {
      schema: {
        summary: 'Create a person or a service account',
        description:
          'A person without a password gets a generated one, in this answer only (`password`). ' +
          'With is_service_account: a service account, which has no password and administers by ' +
          "holding the 'admin' permission.",
        tags,
        body: createUserBody,
        response: { 201: createdUserSchema, ...sessionErrorResponses },
      },
    },
    async function createUser(request, reply) {
      const body = request.body;
      const by = actorOf(request);
      reply.status(201).header('cache-control', 'no-store');
      if (body.is_service_account === true) {
        if (body.password !== undefined) throw badRequest('A service account has no password');
        if (body.is_admin === true) {
          throw badRequest("A service account administers by holding the 'admin' permission, not is_admin");
        }
        const account = await services.users.createServiceAccount(
          {
            name: body.username,
            email: body.email,
            firstName: body.first_name,
            lastName: body.last_name,
            groups: body.groups,
            permissions: body.permissions,
          },
          by,
        );
        return adminUserJson(account);
      }
      const { user, generatedPassword } = await services.users.create(
        {
          username: body.username,
          email: body.email,
          firstName: body.first_name,
          lastName: body.last_name,
          isAdmin: body.is_admin,
          groups: body.groups,
          permissions: body.permissions,
          password: body.password,
        },
        by,
      );
      return {
        ...adminUserJson(user),
        ...(generatedPassword === undefined ? {} : { password: generatedPassword }),
      };
    },
  );

  app.get(
    '/users',
    {
      schema: {
        summary: 'List people and service accounts in username order, a page at a time',
        tags,
        querystring: listUsersQuery,
        response: { 200: userPageSchema, ...sessionErrorResponses },
      },
    },
    async function listUsers(request) {
      const { search, kind, cursor, limit } = request.query;
      const page = await services.users.page({ search, kind, cursor, limit: pageLimit(limit) });
      return { users: page.users.map(adminUserJson), next_cursor: page.nextCursor ?? null };
    },
  );

  app.get(
    '/users/:id',
    { schema: { summary: 'A user', tags, params: userParams, response: userResponse } },
    async function getUser(request) {
      return adminUserJson(await services.users.get({ id: request.params.id }));
    },
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        summary: "Change a user's email, names, groups, permissions, admin flag, scopes or attributes",
        tags,
        params: userParams,
        body: updateUserBody,
        response: userResponse,
      },
    },
    async function updateUser(request) {
      const body = request.body;
      const changes: UpdateUserInput = {
        email: body.email,
        firstName: body.first_name,
        lastName: body.last_name,
        isAdmin: body.is_admin,
        groups: body.groups,
        permissions: body.permissions,
        scopes: body.scopes,
        attributes: body.attributes,
      };
      if (Object.values(changes).every((value) => value === undefined)) throw badRequest('Nothing to change');
      return adminUserJson(await services.users.update({ id: request.params.id }, changes, actorOf(request)));
    },
  );

  for (const action of ['disable', 'enable'] as const) {
    app.post(
      `/users/:id/${action}`,
      {
        schema: {
          summary:
            action === 'disable'
              ? 'Disable a user: every session ends and every token is refused at once'
              : 'Enable a disabled user (tokens ended by disabling stay ended)',
          tags,
          params: userParams,
          response: userResponse,
        },
      },
      async function setDisabled(request) {
        const user = await services.users.setDisabled(
          { id: request.params.id },
          action === 'disable',
          actorOf(request),
        );
        return adminUserJson(user);
      },
    );
  }

  app.delete(
    '/users/:id',
    {
      schema: {
        summary: 'Delete a user with their sessions, consents and memberships',
        tags,
        params: userParams,
        response: noContent,
      },
    },
    async function deleteUser(request, reply) {
      await services.users.delete({ id: request.params.id }, actorOf(request));
      reply.status(204).send(null);
    },
  );

  app.post(
    '/users/:id/password',
    {
      schema: {
        summary: "Set a person's password; their sessions end",
        tags,
        params: userParams,
        body: passwordBody,
        response: noContent,
      },
    },
    async function setPassword(request, reply) {
      await services.users.setPassword({ id: request.params.id }, request.body.password, actorOf(request));
      reply.status(204).send(null);
    },
  );
}
