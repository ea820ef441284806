import type { FastifyReply } from 'fastify';
import type { FlowStep } from '../../oauth/authorize/authorization-flow.js';
import type { RawParams } from '../../oauth/authorize/authorization-request.js';
import type { Services } from '../../services.js';
import { currentBrowser } from '../pages/browser-cookies.js';
import {
  claimsParameter,
  clientIdParameter,
  interactionParameter,
  keywordParameter,
  loginHintParameter,
  noControlCharacters,
  nonceParameter,
  oneOrMore,
  otherParameter,
  scopeParameter,
  stateParameter,
  uriParameter,
} from '../schemas/parameters.js';
import type { App } from '../types.js';

/**
 * Every parameter is bounded; all of them, names included, are kept on the interaction record
 * (oauth/authorize/interactions.ts) while the user signs in, so unknown ones are bounded too.
 */
const authorizationQuery = {
  type: 'object',
  properties: {
    response_type: oneOrMore(keywordParameter),
    client_id: oneOrMore(clientIdParameter),
    redirect_uri: oneOrMore(uriParameter),
    scope: oneOrMore(scopeParameter),
    state: oneOrMore(stateParameter),
    nonce: oneOrMore(nonceParameter),
    // Its exact form (43 base64url characters) is the flow's to check, by an error redirect.
    code_challenge: oneOrMore(keywordParameter),
    code_challenge_method: oneOrMore(keywordParameter),
    prompt: oneOrMore(keywordParameter),
    max_age: oneOrMore(keywordParameter),
    login_hint: oneOrMore(loginHintParameter),
    claims: oneOrMore(claimsParameter),
  },
  propertyNames: { maxLength: 64, pattern: noControlCharacters },
  maxProperties: 64,
  additionalProperties: oneOrMore(otherParameter),
} as const;
const resumeQuery = { type: 'object', properties: { interaction: interactionParameter } } as const;
const redirect = { type: 'null', description: 'redirect' } as const;
const errorPage = { type: 'string', description: 'HTML error page' } as const;

/** Where a step of the flow sends the browser: the application, or a page of the interaction. */
export function sendStep(reply: FastifyReply, step: FlowStep) {
  reply.header('cache-control', 'no-store');
  if (step.kind === 'redirect') return reply.redirect(step.location, 303);
  const hint = step.loginHint === undefined ? '' : `&login_hint=${encodeURIComponent(step.loginHint)}`;
  return reply.redirect(`/${step.kind}?interaction=${encodeURIComponent(step.interaction)}${hint}`, 303);
}

/** Where the sign-in and consent pages send the browser when they are done. */
export function resumeLocation(interaction: string): string {
  return `/oauth/authorize/resume?interaction=${encodeURIComponent(interaction)}`;
}

/**
 * GET /oauth/authorize (RFC 6749 §4.1.1): validate, then send the browser to sign in, to
 * consent, or back to the client with a code or an error; the rules live in
 * oauth/authorize/authorization-flow.ts. An untrustworthy request (unknown client, unregistered
 * redirect URI) is answered with a page and never redirected.
 */
export function authorizeRoute(app: App, services: Services): void {
  const { authorizationFlow } = services;
  app.get(
    '/oauth/authorize',
    {
      schema: {
        summary: 'Authorization endpoint (RFC 6749 §4.1.1, PKCE S256 required)',
        tags: ['oauth'],
        querystring: authorizationQuery,
        response: { 303: redirect, '4xx': errorPage },
      },
    },
    async function authorizeRequest(request, reply) {
      const browser = await currentBrowser(request, reply, services);
      return sendStep(reply, await authorizationFlow.start(request.query as RawParams, browser));
    },
  );

  app.get(
    '/oauth/authorize/resume',
    {
      schema: {
        summary: 'Continue an authorization request after sign-in or consent',
        tags: ['oauth'],
        querystring: resumeQuery,
        response: { 303: redirect, '4xx': errorPage },
      },
    },
    async function resumeAuthorization(request, reply) {
      const browser = await currentBrowser(request, reply, services);
      return sendStep(reply, await authorizationFlow.resume(request.query.interaction, browser));
    },
  );
}
