import type { FastifyReply, FastifyRequest } from 'fastify';
import { type LogoutRefusal, LogoutRefused } from '../../oauth/rp-logout.js';
import type { Services } from '../../services.js';
import { PageError, sendHtml } from '../errors/page-error.js';
import {
  clientIdParameter,
  keywordParameter,
  stateParameter,
  tokenParameter,
  uriParameter,
} from '../schemas/parameters.js';
import type { App } from '../types.js';
import { browserSession, clearSessionCookie, csrfToken } from './browser-cookies.js';
import { errorPage } from './templates/error.js';
import { logoutConfirmPage, signedOutPage } from './templates/logout.js';

const html = { type: 'string', description: 'HTML page' } as const;
const logoutQuery = {
  type: 'object',
  properties: {
    id_token_hint: tokenParameter,
    post_logout_redirect_uri: uriParameter,
    state: stateParameter,
    client_id: clientIdParameter,
  },
} as const;
const logoutForm = {
  type: 'object',
  properties: {
    csrf_token: keywordParameter,
    decision: keywordParameter,
    post_logout_redirect_uri: uriParameter,
    state: stateParameter,
    client_id: clientIdParameter,
  },
} as const;

const refusals: Record<LogoutRefusal, [string, string]> = {
  invalid_hint: ['Cannot sign out', 'The sign-out request is not valid.'],
  two_clients: ['Cannot sign out', 'The sign-out request names two different applications.'],
  unregistered_redirect: [
    'Cannot return to the application',
    'The address to return to after signing out is not registered.',
  ],
};

/** LogoutRefused as its page; anything else passes through. */
function asPage(error: unknown): never {
  if (error instanceof LogoutRefused) throw new PageError(400, ...refusals[error.reason]);
  throw error;
}

/**
 * GET and POST /oauth/logout: OpenID Connect RP-Initiated Logout 1.0 as pages; the rules live in
 * oauth/rp-logout.ts.
 */
export function logoutRoutes(app: App, services: Services): void {
  const { rpLogout } = services;

  async function signOut(request: FastifyRequest, reply: FastifyReply, location: string | undefined) {
    const browser = await browserSession(request, services);
    await rpLogout.signOut(
      browser === undefined ? undefined : { sessionId: browser.session.id, userId: browser.user.id },
      { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
    );
    clearSessionCookie(reply, services);
    if (location !== undefined) return reply.header('cache-control', 'no-store').redirect(location, 303);
    return sendHtml(reply, 200, signedOutPage());
  }

  app.get(
    '/oauth/logout',
    {
      schema: {
        summary: 'RP-initiated logout',
        tags: ['oauth'],
        querystring: logoutQuery,
        response: { 200: html, 303: { type: 'null' }, '4xx': html },
      },
    },
    async function rpInitiatedLogout(request, reply) {
      const query = request.query;
      const browser = await browserSession(request, services);
      const decision = await rpLogout
        .decide(
          {
            idTokenHint: query.id_token_hint,
            postLogoutRedirectUri: query.post_logout_redirect_uri,
            state: query.state,
            clientId: query.client_id,
          },
          browser?.session.id,
        )
        .catch(asPage);
      if (decision.kind === 'sign_out') return signOut(request, reply, decision.location);
      return sendHtml(
        reply,
        200,
        logoutConfirmPage({
          action: '/oauth/logout',
          csrfToken: csrfToken(request, reply, services),
          hidden: decision.hidden,
        }),
      );
    },
  );

  app.post(
    '/oauth/logout',
    {
      schema: {
        summary: 'Confirm sign-out',
        tags: ['oauth'],
        consumes: ['application/x-www-form-urlencoded'],
        body: logoutForm,
        response: { 200: html, 303: { type: 'null' }, '4xx': html },
      },
    },
    async function confirmLogout(request, reply) {
      const form = request.body;
      const location = await rpLogout
        .destination({
          postLogoutRedirectUri: form.post_logout_redirect_uri,
          state: form.state,
          clientId: form.client_id,
        })
        .catch(asPage);
      if (form.decision !== 'logout') {
        return sendHtml(
          reply,
          200,
          errorPage({ title: 'You are still signed in', message: 'Nothing was changed.' }),
        );
      }
      return signOut(request, reply, location);
    },
  );
}
