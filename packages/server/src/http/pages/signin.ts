import type { Services } from '../../services.js';
import { sendHtml } from '../errors/page-error.js';
import { resumeLocation } from '../oauth/authorize.js';
import {
  interactionParameter,
  keywordParameter,
  loginHintParameter,
  passwordParameter,
  usernameParameter,
} from '../schemas/parameters.js';
import type { App } from '../types.js';
import { browserKey, browserSession, csrfToken, setSessionCookie } from './browser-cookies.js';
import { providerChoices } from './federated-signin.js';
import { returnToParameter, safeReturnPath } from './return-to.js';
import { errorPage } from './templates/error.js';
import { type SigninView, signinPage } from './templates/signin.js';

const html = { type: 'string', description: 'HTML page' } as const;
const signinQuery = {
  type: 'object',
  properties: {
    interaction: interactionParameter,
    login_hint: loginHintParameter,
    return_to: returnToParameter,
  },
} as const;
const signinForm = {
  type: 'object',
  properties: {
    csrf_token: keywordParameter,
    interaction: interactionParameter,
    username: usernameParameter,
    password: passwordParameter,
    return_to: returnToParameter,
  },
} as const;

/**
 * GET and POST /signin: the sign-in form, CSRF-protected. Within an authorization request it
 * carries the interaction's id and, once signed in, resumes it; on its own it just signs in.
 */
export function signinRoutes(app: App, services: Services): void {
  const { authorizationFlow } = services;

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
      const interaction = request.query.interaction ?? '';
      const pending = await authorizationFlow.pending(interaction, browserKey(request, reply, services));
      const view: SigninView = {
        action: '/signin',
        csrfToken: csrfToken(request, reply, services),
        interaction,
        username: request.query.login_hint ?? pending?.loginHint ?? '',
        error: null,
        clientName: pending?.client.name ?? null,
        providers: await providerChoices(services),
        returnTo: safeReturnPath(request.query.return_to),
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
      const interaction = form.interaction ?? '';
      const username = form.username ?? '';
      const returnTo = safeReturnPath(form.return_to);
      const context = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
      const previous = await browserSession(request, services);
      const outcome = await services.signIn.signIn(
        services.passwords,
        { username, password: form.password ?? '' },
        { via: 'browser', ...context },
        { kind: 'browser', ...(previous === undefined ? {} : { replaces: previous.session.id }) },
      );
      if ('refused' in outcome) {
        const disabled = outcome.refused === 'account_disabled';
        return sendHtml(
          reply,
          disabled ? 403 : 401,
          signinPage({
            action: '/signin',
            csrfToken: csrfToken(request, reply, services),
            interaction,
            username,
            error: disabled ? 'account_disabled' : 'invalid_credentials',
            clientName:
              (await authorizationFlow.pending(interaction, browserKey(request, reply, services)))?.client
                .name ?? null,
            providers: await providerChoices(services),
            returnTo,
          }),
        );
      }
      const { user, session } = outcome;
      setSessionCookie(reply, services, session);
      if (await authorizationFlow.signedIn(interaction, browserKey(request, reply, services), session)) {
        return reply.redirect(resumeLocation(interaction), 303);
      }
      // Sent here by a page that needs a signed-in browser (/account, /admin): back to it.
      if (returnTo !== undefined) return reply.redirect(returnTo, 303);
      return sendHtml(
        reply,
        200,
        errorPage({ title: 'Signed in', message: `You are signed in as ${user.username}.` }),
      );
    },
  );
}
