import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BrowserUser } from '../../../oauth/authorize/authorization-flow.js';
import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import { boundedText, keywordParameter } from '../../schemas/parameters.js';
import type { App } from '../../types.js';
import { clearSessionCookie, csrfToken } from '../browser-cookies.js';
import { signinLocation } from '../return-to.js';
import { sessionsPage } from '../templates/account/sessions.js';
import { type Flash, noticeOf, refusalOf } from './form-outcome.js';
import { doneQuery, pageResponses, postResponses } from './page-schemas.js';
import { pageActor, signedInOrRedirect } from './signed-in.js';

const endForm = {
  type: 'object',
  properties: { csrf_token: keywordParameter, session_id: boundedText(64) },
} as const;
const csrfOnly = { type: 'object', properties: { csrf_token: keywordParameter } } as const;
const tags = ['pages'];

/** GET /account/sessions, POST …/end (one session) and …/end-others (all but this browser's). */
export function sessionPages(app: App, services: Services): void {
  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    signedIn: BrowserUser,
    status: number,
    flash: Flash,
  ) {
    const sessions = await services.userSessions.list(signedIn.user.id);
    const clientNames = new Map<string, string>();
    for (const id of new Set(sessions.flatMap((s) => (s.clientId === null ? [] : [s.clientId])))) {
      clientNames.set(
        id,
        await services.clients.get(id).then(
          (c) => c.name,
          () => id,
        ),
      );
    }
    return sendHtml(
      reply,
      status,
      sessionsPage({
        username: signedIn.user.username,
        csrfToken: csrfToken(request, reply, services),
        currentId: signedIn.session.id,
        sessions,
        clientNames,
        ...flash,
      }),
    );
  }

  app.get(
    '/account/sessions',
    {
      schema: { summary: 'Account portal: sessions', tags, querystring: doneQuery, response: pageResponses },
    },
    async function showSessions(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      return render(request, reply, signedIn, 200, noticeOf(request.query.done));
    },
  );

  app.post(
    '/account/sessions/end',
    { schema: { summary: 'Sign one of your sessions out', tags, body: endForm, response: postResponses } },
    async function endOne(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      const sessionId = request.body.session_id ?? '';
      try {
        await services.userSessions.end(sessionId, pageActor(request, signedIn), {
          ownerId: signedIn.user.id,
          reason: 'ended_by_user',
        });
      } catch (error) {
        const { status, message } = refusalOf(error);
        return render(request, reply, signedIn, status, { error: message });
      }
      // This browser's own session: it is signed out, so back to the sign-in page.
      if (sessionId === signedIn.session.id) {
        clearSessionCookie(reply, services);
        return reply.redirect(signinLocation('/account'), 303);
      }
      return reply.redirect('/account/sessions?done=session-ended', 303);
    },
  );

  app.post(
    '/account/sessions/end-others',
    { schema: { summary: 'Sign out everywhere else', tags, body: csrfOnly, response: postResponses } },
    async function endOthers(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      await services.userSessions.endAll(signedIn.user, pageActor(request, signedIn), {
        filter: { exceptId: signedIn.session.id },
        reason: 'ended_by_user',
      });
      return reply.redirect('/account/sessions?done=others-ended', 303);
    },
  );
}
