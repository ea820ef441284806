import type { AuthorizationRequest } from '../../oauth/authorize/authorization-request.js';
import type { Services } from '../../services.js';
import { PageError, sendHtml } from '../errors/page-error.js';
import { resumeLocation } from '../oauth/authorize.js';
import { interactionParameter, keywordParameter } from '../schemas/parameters.js';
import type { App } from '../types.js';
import { browserKey, browserSession, csrfToken } from './browser-cookies.js';
import { consentPage } from './templates/consent.js';

const html = { type: 'string', description: 'HTML page' } as const;
const consentQuery = { type: 'object', properties: { interaction: interactionParameter } } as const;
const consentForm = {
  type: 'object',
  properties: {
    csrf_token: keywordParameter,
    interaction: interactionParameter,
    decision: keywordParameter,
  },
} as const;

/** GET and POST /consent: the client's name, each scope in words, Allow or Deny. */
export function consentRoutes(app: App, services: Services): void {
  const { authorizationFlow } = services;

  async function pendingRequest(interaction: string, key: string): Promise<AuthorizationRequest> {
    const pending = await authorizationFlow.pending(interaction, key);
    if (pending === undefined) {
      throw new PageError(
        400,
        'Nothing to consent to',
        'This page is reached from an application’s sign-in link; go back to the application and start again.',
      );
    }
    return pending;
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
      const interaction = request.query.interaction ?? '';
      const authorization = await pendingRequest(interaction, browserKey(request, reply, services));
      const browser = await browserSession(request, services);
      if (browser === undefined) return reply.redirect(resumeLocation(interaction), 303);
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
          interaction,
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
      const interaction = form.interaction ?? '';
      const key = browserKey(request, reply, services);
      await pendingRequest(interaction, key);
      const browser = await browserSession(request, services);
      if (browser === undefined) return reply.redirect(resumeLocation(interaction), 303);
      reply.header('cache-control', 'no-store');
      if (form.decision !== 'allow')
        return reply.redirect(await authorizationFlow.deny(interaction, key), 303);
      await authorizationFlow.allow(interaction, key, browser.user);
      return reply.redirect(resumeLocation(interaction), 303);
    },
  );
}
