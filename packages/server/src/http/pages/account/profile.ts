import type { FastifyReply, FastifyRequest } from 'fastify';
import { updateOwnProfile } from '../../../accounts/own-profile.js';
import type { BrowserUser } from '../../../oauth/authorize/authorization-flow.js';
import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import { boundedText, keywordParameter, passwordParameter } from '../../schemas/parameters.js';
import type { App } from '../../types.js';
import { csrfToken } from '../browser-cookies.js';
import { type ProfileView, profilePage } from '../templates/account/profile.js';
import { type Flash, noticeOf, refusalOf } from './form-outcome.js';
import { doneQuery, pageResponses, postResponses } from './page-schemas.js';
import { pageActor, signedInOrRedirect } from './signed-in.js';

const profileForm = {
  type: 'object',
  properties: {
    csrf_token: keywordParameter,
    first_name: boundedText(150),
    last_name: boundedText(150),
    email: boundedText(254),
  },
} as const;

const passwordForm = {
  type: 'object',
  properties: {
    csrf_token: keywordParameter,
    username: boundedText(150),
    current_password: passwordParameter,
    new_password: passwordParameter,
  },
} as const;

const tags = ['pages'];

/** GET /account (profile and password), POST /account/profile, POST /account/password. */
export function profilePages(app: App, services: Services): void {
  function render(
    request: FastifyRequest,
    reply: FastifyReply,
    signedIn: BrowserUser,
    status: number,
    flash: Flash & { failed?: ProfileView['failed'] },
  ) {
    return sendHtml(
      reply,
      status,
      profilePage({ user: signedIn.user, csrfToken: csrfToken(request, reply, services), ...flash }),
    );
  }

  app.get(
    '/account',
    { schema: { summary: 'Account portal: profile', tags, querystring: doneQuery, response: pageResponses } },
    async function showProfile(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      return render(request, reply, signedIn, 200, noticeOf(request.query.done));
    },
  );

  app.post(
    '/account/profile',
    { schema: { summary: 'Save your profile', tags, body: profileForm, response: postResponses } },
    async function saveProfile(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      const { first_name, last_name, email } = request.body;
      try {
        await updateOwnProfile(
          services.users,
          signedIn.user,
          { firstName: first_name, lastName: last_name, email: email === '' ? null : email },
          pageActor(request, signedIn),
        );
      } catch (error) {
        const { status, message } = refusalOf(error);
        return render(request, reply, signedIn, status, { error: message, failed: 'profile' });
      }
      return reply.redirect('/account?done=profile', 303);
    },
  );

  app.post(
    '/account/password',
    { schema: { summary: 'Change your password', tags, body: passwordForm, response: postResponses } },
    async function changePassword(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      let outcome: Awaited<ReturnType<typeof services.passwordChange.change>>;
      try {
        outcome = await services.passwordChange.change(
          signedIn.user,
          {
            currentPassword: request.body.current_password ?? '',
            newPassword: request.body.new_password ?? '',
            sessionId: signedIn.session.id,
          },
          pageActor(request, signedIn),
        );
      } catch (error) {
        const { status, message } = refusalOf(error);
        return render(request, reply, signedIn, status, { error: message, failed: 'password' });
      }
      if ('refused' in outcome) {
        return render(request, reply, signedIn, 403, {
          error: 'The current password is incorrect.',
          failed: 'password',
        });
      }
      return reply.redirect('/account?done=password', 303);
    },
  );
}
