import {
  type AuthorizationRequest,
  RedirectableError,
  validateAuthorizationRequest,
} from '../../oauth/authorize/authorization-request.js';
import { errorRedirect } from '../../oauth/authorize/authorize.js';
import type { Services } from '../../services.js';
import { PageError, sendHtml } from '../errors/page-error.js';
import type { App } from '../types.js';
import { browserSession, csrfToken, csrfTokenIsValid } from './browser-cookies.js';
import { afterInteraction, parseReturnTo, returnToFor } from './return-to.js';
import { consentPage } from './templates/consent.js';

const html = { type: 'string', description: 'HTML page' } as const;
const consentQuery = { type: 'object', properties: { return_to: { type: 'string' } } } as const;
const consentForm = {
  type: 'object',
  properties: { csrf_token: { type: 'string' }, return_to: { type: 'string' }, decision: { type: 'string' } },
} as const;

/** GET and POST /consent: the client's name, each scope in words, Allow or Deny. */
export function consentRoutes(app: App, services: Services): void {
  async function requestFor(returnTo: string | undefined): Promise<AuthorizationRequest> {
    const params = parseReturnTo(returnTo);
    if (params === undefined)
      throw new PageError(
        400,
        'Nothing to consent to',
        'This page is reached from an application’s sign-in link.',
      );
    try {
      return await validateAuthorizationRequest(params, services.clientDirectory);
    } catch {
      throw new PageError(
        400,
        'This sign-in link is not valid',
        'Go back to the application and start again.',
      );
    }
  }

  app.get(
    '/consent',
    {
      schema: {
        summary: 'Consent page',
        tags: ['pages'],
        querystring: consentQuery,
        response: { 200: html, 303: { type: 'null' }, '4xx': html },
      },
    },
    async function showConsent(request, reply) {
      const returnTo = request.query.return_to;
      const authorization = await requestFor(returnTo);
      const browser = await browserSession(request, services);
      if (browser === undefined) return reply.redirect(returnTo as string, 303);
      const registered = await services.scopes.list();
      const scopes = authorization.scope.map((name) => ({
        name,
        description: registered.find((s) => s.name === name)?.description || name,
      }));
      return sendHtml(
        reply,
        200,
        consentPage({
          action: '/consent',
          csrfToken: csrfToken(request, reply, services),
          returnTo: returnTo as string,
          clientName: authorization.client.name,
          username: browser.user.username,
          scopes,
        }),
      );
    },
  );

  app.post(
    '/consent',
    {
      schema: {
        summary: 'Allow or deny an application',
        tags: ['pages'],
        consumes: ['application/x-www-form-urlencoded'],
        body: consentForm,
        response: { 303: { type: 'null', description: 'redirect' }, '4xx': html },
      },
    },
    async function submitConsent(request, reply) {
      const form = request.body;
      if (!csrfTokenIsValid(request, services, form.csrf_token)) {
        throw new PageError(403, 'The form has expired', 'Go back, reload the page and try again.');
      }
      const authorization = await requestFor(form.return_to);
      const browser = await browserSession(request, services);
      if (browser === undefined) return reply.redirect(form.return_to as string, 303);
      reply.header('cache-control', 'no-store');
      if (form.decision !== 'allow') {
        const denied = new RedirectableError(
          'access_denied',
          'the user denied the request',
          authorization.redirectUri,
          authorization.state,
        );
        return reply.redirect(errorRedirect(denied, services.config.issuer), 303);
      }
      const previous = await services.stores.consents.find(browser.user.id, authorization.client.id);
      await services.stores.consents.save({
        userId: browser.user.id,
        clientId: authorization.client.id,
        scopes: [...new Set([...(previous?.scopes ?? []), ...authorization.scope])],
        grantedAt: services.clock.now(),
      });
      const params = parseReturnTo(form.return_to) ?? {};
      return reply.redirect(returnToFor(afterInteraction(params, 'consent')), 303);
    },
  );
}
