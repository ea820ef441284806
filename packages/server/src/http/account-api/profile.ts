import { updateOwnProfile } from '../../accounts/own-profile.js';
import { userObject, userObjectSchema } from '../../presenters/user-object.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { callerOf } from '../api/api-scope.js';
import { boundedText, passwordParameter } from '../schemas/parameters.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import { badRequest, forbidden } from '../session-api/errors.js';
import type { App } from '../types.js';

const tags = ['account'];
const profileResponse = { 200: userObjectSchema, ...sessionErrorResponses } as const;

const profileChanges = {
  type: 'object',
  properties: {
    first_name: boundedText(150),
    last_name: boundedText(150),
    email: {
      type: ['string', 'null'],
      maxLength: 254,
      description: 'null removes it; a changed email is no longer email_verified',
    },
  },
  additionalProperties: false,
} as const;

const passwordChange = {
  type: 'object',
  properties: { current_password: passwordParameter, new_password: passwordParameter },
  required: ['current_password', 'new_password'],
  additionalProperties: false,
} as const;

/** The signed-in person's profile (as `GET /me`) and password. */
export function accountProfileRoutes(app: App, services: Services): void {
  app.get(
    '/profile',
    { schema: { summary: 'Your profile: the user object, as GET /me', tags, response: profileResponse } },
    async function profile(request, reply) {
      reply.header('cache-control', 'no-store');
      return userObject(callerOf(request).user);
    },
  );

  app.patch(
    '/profile',
    {
      schema: {
        summary: 'Change your first name, last name or email',
        description:
          'The username, groups, permissions and admin flag are an administrator’s to change. ' +
          'Tessera sends no verification mail: a changed email is no longer email_verified.',
        tags,
        body: profileChanges,
        response: profileResponse,
      },
    },
    async function updateProfile(request) {
      const { first_name, last_name, email } = request.body;
      if (first_name === undefined && last_name === undefined && email === undefined) {
        throw badRequest('Nothing to change: give first_name, last_name or email');
      }
      const user = await updateOwnProfile(
        services.users,
        callerOf(request).user,
        { firstName: first_name, lastName: last_name, email },
        actorOf(request),
      );
      return userObject(user);
    },
  );

  app.post(
    '/password',
    {
      schema: {
        summary: 'Change your password',
        description:
          'The current password is checked like a sign-in (with its brute-force backoff: 429 ' +
          'RATE_LIMITED); a wrong one is 403 FORBIDDEN. Every other session of yours ends: ' +
          'their tokens are refused at once. The session this request comes from stays.',
        tags,
        body: passwordChange,
        response: { 204: { type: 'null' }, ...sessionErrorResponses },
      },
    },
    async function changePassword(request, reply) {
      const caller = callerOf(request);
      const changed = await services.passwordChange.change(
        caller.user,
        {
          currentPassword: request.body.current_password,
          newPassword: request.body.new_password,
          sessionId: caller.sessionId,
        },
        actorOf(request),
      );
      if ('refused' in changed) throw forbidden('The current password is incorrect');
      reply.status(204);
    },
  );
}
