import { signInWithPassword } from '../../accounts/password-sign-in.js';
import { validateAuthorizationRequest } from '../../oauth/authorize/authorization-request.js';
import type { Services } from '../../services.js';
import { PageError, sendHtml } from '../errors/page-error.js';
import type { App } from '../types.js';
import { browserSession, csrfToken, csrfTokenIsValid, setSessionCookie } from './browser-cookies.js';
import { afterInteraction, parseReturnTo, returnToFor } from './return-to.js';
import { errorPage } from './templates/error.js';
import { type SigninView, signinPage } from './templates/signin.js';

const html = { type: 'string', description: 'HTML page' } as const;
const signinQuery = {
  type: 'object',
  properties: { return_to: { type: 'string' }, login_hint: { type: 'string' } },
} as const;
const signinForm = {
  type: 'object',
  properties: {
    csrf_token: { type: 'string' },
    return_to: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
  },
} as const;

/** GET and POST /signin: the sign-in form, CSRF-protected, for the browser flow. */
export function signinRoutes(app: App, services: Services): void {
  async function clientName(returnTo: string | undefined): Promise<string | null> {
    const params = parseReturnTo(returnTo);
    if (params === undefined) return null;
    try {
      return (await validateAuthorizationRequest(params, services.clientDirectory)).client.name;
    } catch {
      return null;
    }
  }

  app.get(
    '/signin',
    {
      schema: {
        summary: 'Sign-in page',
        tags: ['pages'],
        querystring: signinQuery,
        response: { 200: html, '4xx': html },
      },
    },
    async function showSignin(request, reply) {
      const returnTo = request.query.return_to ?? '';
      const view: SigninView = {
        action: '/signin',
        csrfToken: csrfToken(request, reply, services),
        returnTo,
        username: request.query.login_hint ?? '',
        error: null,
        clientName: await clientName(returnTo),
      };
      return sendHtml(reply, 200, signinPage(view));
    },
  );

  app.post(
    '/signin',
    {
      schema: {
        summary: 'Sign in',
        tags: ['pages'],
        consumes: ['application/x-www-form-urlencoded'],
        body: signinForm,
        response: { 200: html, 303: { type: 'null', description: 'redirect' }, '4xx': html },
      },
    },
    async function submitSignin(request, reply) {
      const form = request.body;
      if (!csrfTokenIsValid(request, services, form.csrf_token)) {
        throw new PageError(403, 'The form has expired', 'Go back, reload the page and try again.');
      }
      const returnTo = form.return_to ?? '';
      const username = form.username ?? '';
      const context = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
      const again = async (status: number, error: SigninView['error']) =>
        sendHtml(
          reply,
          status,
          signinPage({
            action: '/signin',
            csrfToken: csrfToken(request, reply, services),
            returnTo,
            username,
            error,
            clientName: await clientName(returnTo),
          }),
        );

      const outcome = await signInWithPassword(services.authenticator, services.audit, {
        username,
        password: form.password ?? '',
        ...context,
        via: 'browser',
      });
      if ('refused' in outcome) {
        const disabled = outcome.refused === 'account_disabled';
        return again(disabled ? 403 : 401, disabled ? 'account_disabled' : 'invalid_credentials');
      }
      const { user } = outcome;

      const previous = await browserSession(request, services);
      if (previous !== undefined) await services.sessions.end(previous.session.id, 'replaced');
      const session = await services.sessions.openBrowserSession(
        user,
        services.config.sessionMaxAge,
        context.ip,
        context.userAgent,
      );
      await services.audit.record({
        type: 'login.succeeded',
        actor: `user:${user.id}`,
        subject: `session:${session.id}`,
        ...context,
        details: { via: 'browser' },
      });
      setSessionCookie(reply, services, session);
      const params = parseReturnTo(returnTo);
      if (params === undefined) {
        return sendHtml(
          reply,
          200,
          errorPage({ title: 'Signed in', message: `You are signed in as ${user.username}.` }),
        );
      }
      return reply.redirect(returnToFor(afterInteraction(params, 'login')), 303);
    },
  );
}
