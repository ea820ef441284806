import type { Services } from '../../services.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';

const memberCounts = {
  type: 'array',
  items: {
    type: 'object',
    properties: { name: { type: 'string' }, members: { type: 'integer' } },
    required: ['name', 'members'],
    additionalProperties: false,
  },
} as const;

/**
 * /admin/api/groups and /admin/api/permissions: the names in use, with how many accounts hold
 * each. Membership is changed on the user (PATCH /admin/api/users/{id} with groups or permissions).
 */
export function adminGroupRoutes(app: App, services: Services): void {
  app.get(
    '/groups',
    {
      schema: {
        summary: 'Groups held by at least one account, with their member counts',
        tags: ['admin'],
        response: {
          200: { type: 'object', properties: { groups: memberCounts }, required: ['groups'] },
          ...sessionErrorResponses,
        },
      },
    },
    async function listGroups() {
      return { groups: await services.users.memberCounts('groups') };
    },
  );

  app.get(
    '/permissions',
    {
      schema: {
        summary: 'Permissions held by at least one account, with how many hold each',
        tags: ['admin'],
        response: {
          200: { type: 'object', properties: { permissions: memberCounts }, required: ['permissions'] },
          ...sessionErrorResponses,
        },
      },
    },
    async function listPermissions() {
      return { permissions: await services.users.memberCounts('permissions') };
    },
  );
}
