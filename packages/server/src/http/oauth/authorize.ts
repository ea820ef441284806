import {
  type RawParams,
  RedirectableError,
  UntrustedRequest,
  validateAuthorizationRequest,
} from '../../oauth/authorize/authorization-request.js';
import { authorize, errorRedirect } from '../../oauth/authorize/authorize.js';
import type { Services } from '../../services.js';
import { PageError } from '../errors/page-error.js';
import { browserSession } from '../pages/browser-cookies.js';
import { returnToFor } from '../pages/return-to.js';
import type { App } from '../types.js';

const value = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } as const;
const authorizationQuery = {
  type: 'object',
  properties: {
    response_type: value,
    client_id: value,
    redirect_uri: value,
    scope: value,
    state: value,
    nonce: value,
    code_challenge: value,
    code_challenge_method: value,
    prompt: value,
    max_age: value,
    login_hint: value,
    claims: value,
  },
  additionalProperties: value,
} as const;

/**
 * GET /oauth/authorize (RFC 6749 §4.1.1): validate, then send the browser to sign in, to
 * consent, or back to the client with a code or an error. An untrustworthy request (unknown
 * client, unregistered redirect URI) is answered with a page and never redirected.
 */
export function authorizeRoute(app: App, services: Services): void {
  app.get(
    '/oauth/authorize',
    {
      schema: {
        summary: 'Authorization endpoint (RFC 6749 §4.1.1, PKCE S256 required)',
        tags: ['oauth'],
        querystring: authorizationQuery,
        response: {
          303: { type: 'null', description: 'redirect' },
          '4xx': { type: 'string', description: 'HTML error page' },
        },
      },
    },
    async function authorizeRequest(request, reply) {
      const params = request.query as RawParams;
      let validated: Awaited<ReturnType<typeof validateAuthorizationRequest>>;
      try {
        validated = await validateAuthorizationRequest(params, services.clientDirectory);
      } catch (error) {
        if (error instanceof UntrustedRequest)
          throw new PageError(400, 'This sign-in link is not valid', error.message);
        if (error instanceof RedirectableError)
          return reply.redirect(errorRedirect(error, services.config.issuer), 303);
        throw error;
      }
      const outcome = await authorize(validated, await browserSession(request, services), {
        codes: services.stores.authorizationCodes,
        consents: services.stores.consents,
        clock: services.clock,
        issuer: services.config.issuer,
      });
      reply.header('cache-control', 'no-store');
      const returnTo = encodeURIComponent(returnToFor(params));
      switch (outcome.kind) {
        case 'redirect':
          return reply.redirect(outcome.location, 303);
        case 'signin': {
          const hint =
            validated.loginHint === undefined ? '' : `&login_hint=${encodeURIComponent(validated.loginHint)}`;
          return reply.redirect(`/signin?return_to=${returnTo}${hint}`, 303);
        }
        case 'consent':
          return reply.redirect(`/consent?return_to=${returnTo}`, 303);
      }
    },
  );
}
