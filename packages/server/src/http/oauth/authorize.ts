import type { FastifyReply } from 'fastify';
import type { FlowStep } from '../../oauth/authorize/authorization-flow.js';
import type { RawParams } from '../../oauth/authorize/authorization-request.js';
import type { Services } from '../../services.js';
import { currentBrowser } from '../pages/browser-cookies.js';
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
const resumeQuery = { type: 'object', properties: { interaction: { type: 'string' } } } as const;
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
