import { UpstreamMisconfigured, UpstreamUnavailable } from '../../accounts/federation/upstream-metadata.js';
import { FederatedSignInFailed } from '../../accounts/federation/upstream-sign-in-flow.js';
import type { Services } from '../../services.js';
import { PageError, sendHtml } from '../errors/page-error.js';
import { resumeLocation } from '../oauth/authorize.js';
import { boundedText, interactionParameter, keywordParameter } from '../schemas/parameters.js';
import type { App } from '../types.js';
import { browserKey, browserSession, csrfToken, setSessionCookie } from './browser-cookies.js';
import { errorPage } from './templates/error.js';
import { signinPage } from './templates/signin.js';

const html = { type: 'string', description: 'HTML page' } as const;
const startForm = {
  type: 'object',
  properties: { csrf_token: keywordParameter, interaction: interactionParameter, provider: boundedText(100) },
} as const;
// Providers add their own parameters (session_state, scope, authuser…): unknown ones are ignored.
const callbackQuery = {
  type: 'object',
  properties: {
    state: boundedText(512),
    code: boundedText(4096),
    error: boundedText(256),
    error_description: boundedText(2048),
    iss: boundedText(2048),
  },
} as const;
const callbackParams = {
  type: 'object',
  properties: { provider: boundedText(100) },
  required: ['provider'],
} as const;

/** The providers the sign-in page offers, as buttons. */
export async function providerChoices(services: Services): Promise<Array<{ id: string; name: string }>> {
  return (await services.federation.directory.list()).map((p) => ({ id: p.id, name: p.name }));
}

/**
 * Federated sign-in in the browser (issue 18): POST /signin/oidc sends the browser to the chosen
 * provider (code + PKCE, state and nonce kept server-side, bound to this browser and to the
 * authorization request in progress); the provider's redirect to GET /signin/oidc/callback/{id}
 * signs the person in through the one sign-in path and resumes that request.
 */
export function federatedSigninRoutes(app: App, services: Services): void {
  const { federation, authorizationFlow } = services;

  app.post(
    '/signin/oidc',
    {
      schema: {
        summary: 'Sign in with an upstream identity provider',
        tags: ['pages'],
        consumes: ['application/x-www-form-urlencoded'],
        body: startForm,
        response: {
          303: { type: 'null', description: 'redirect to the provider' },
          '4xx': html,
          '5xx': html,
        },
      },
    },
    async function startFederatedSignin(request, reply) {
      const { provider = '', interaction = '' } = request.body;
      try {
        const location = await federation.flow.start(
          provider,
          interaction,
          browserKey(request, reply, services),
        );
        return reply.redirect(location, 303);
      } catch (error) {
        throw asPageError(error);
      }
    },
  );

  app.get(
    '/signin/oidc/callback/:provider',
    {
      schema: {
        summary: "An upstream identity provider's redirect back (the redirect_uri registered there)",
        tags: ['pages'],
        params: callbackParams,
        querystring: callbackQuery,
        response: { 200: html, 303: { type: 'null', description: 'redirect' }, '4xx': html, '5xx': html },
      },
    },
    async function federatedCallback(request, reply) {
      const key = browserKey(request, reply, services);
      const { provider: providerId } = request.params;
      let result: Awaited<ReturnType<typeof federation.flow.finish>>;
      try {
        result = await federation.flow.finish(providerId, request.query, key);
      } catch (error) {
        throw asPageError(error);
      }
      const previous = await browserSession(request, services);
      const outcome = await services.signIn
        .signIn(
          federation.authenticator,
          { idToken: result.idToken, nonce: result.nonce, providerId },
          {
            via: 'browser',
            ip: request.ip,
            userAgent: request.headers['user-agent'] ?? null,
            provider: providerId,
          },
          { kind: 'browser', ...(previous === undefined ? {} : { replaces: previous.session.id }) },
        )
        .catch((error: unknown) => {
          // The provider's keys could not be fetched to check the id_token.
          if (error instanceof UpstreamUnavailable || error instanceof UpstreamMisconfigured)
            throw new PageError(
              502,
              'Sign-in did not complete',
              `${result.provider.name} cannot be reached right now. Try again later.`,
            );
          throw error;
        });
      if ('refused' in outcome) {
        const disabled = outcome.refused === 'account_disabled';
        const detail = disabled
          ? 'This account is disabled. Contact your administrator.'
          : `${result.provider.name} signed you in, but Tessera cannot accept it: ${outcome.detail ?? 'the sign-in was refused'}.`;
        const pending = await authorizationFlow.pending(result.interaction, key);
        return sendHtml(
          reply,
          disabled ? 403 : 401,
          signinPage({
            action: '/signin',
            csrfToken: csrfToken(request, reply, services),
            interaction: result.interaction,
            username: '',
            error: null,
            clientName: pending?.client.name ?? null,
            providers: await providerChoices(services),
            federatedError: detail,
          }),
        );
      }
      const { user, session } = outcome;
      setSessionCookie(reply, services, session);
      if (await authorizationFlow.signedIn(result.interaction, key, session))
        return reply.redirect(resumeLocation(result.interaction), 303);
      return sendHtml(
        reply,
        200,
        errorPage({ title: 'Signed in', message: `You are signed in as ${user.username}.` }),
      );
    },
  );
}

function asPageError(error: unknown): unknown {
  if (!(error instanceof FederatedSignInFailed)) return error;
  return new PageError(error.status, 'Sign-in did not complete', error.message);
}
