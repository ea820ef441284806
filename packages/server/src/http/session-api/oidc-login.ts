import { decodeJwt } from 'jose';
import { UpstreamMisconfigured, UpstreamUnavailable } from '../../accounts/federation/upstream-metadata.js';
import { userObject, userObjectSchema } from '../../presenters/user-object.js';
import type { Services } from '../../services.js';
import { nonceParameter } from '../schemas/parameters.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';
import { setRefreshCookie } from './credentials.js';
import { accountDisabled, SessionApiError } from './errors.js';

const oidcLoginRequest = {
  type: 'object',
  properties: {
    // Unbounded here (the body limit bounds it): an oversized token is refused in words, as a 401.
    id_token: { type: 'string' },
    /** The nonce the app put in its authorization request upstream, when it wants it checked. */
    nonce: nonceParameter,
  },
  required: ['id_token'],
} as const;

const federatedUserSchema = {
  ...userObjectSchema,
  properties: {
    ...userObjectSchema.properties,
    oidc_issuer: { type: 'string' },
    oidc_subject: { type: 'string' },
  },
  required: [...userObjectSchema.required, 'oidc_issuer', 'oidc_subject'],
  additionalProperties: { anyOf: [{ type: 'boolean' }, { type: 'string' }] },
} as const;

const oidcLoginResponse = {
  type: 'object',
  properties: {
    user: federatedUserSchema,
    access_token: { type: 'string' },
    refresh_token: { type: 'string' },
  },
  required: ['user', 'access_token', 'refresh_token'],
} as const;

/**
 * POST /oidc-login (SPEC): an upstream provider's id_token in, the same answer as /login out,
 * its user also carrying `oidc_issuer` and `oidc_subject`. Through the one sign-in path (STYLE
 * C17) with the upstream authenticator; a refusal says what was wrong, never echoing the token.
 */
export function oidcLoginRoute(app: App, services: Services): void {
  const { config, sessionApi, federation } = services;
  app.post(
    '/oidc-login',
    {
      schema: {
        summary: 'Sign in with an id_token from a configured upstream OpenID provider',
        description:
          'Verifies the id_token (issuer, audience, signature, expiry, nonce when given; each token ' +
          'once), creates or updates the account from its claims, and answers like POST /login.',
        tags: ['session'],
        // JSON only: a cross-site HTML form cannot send it.
        consumes: ['application/json'],
        body: oidcLoginRequest,
        response: { 200: oidcLoginResponse, ...sessionErrorResponses },
      },
    },
    async function oidcLogin(request, reply) {
      const { id_token: idToken, nonce } = request.body;
      const meta = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
      const outcome = await services.signIn
        .signIn(
          federation.authenticator,
          { idToken, nonce },
          { via: 'oidc_login', ...meta },
          { kind: 'api', clientId: null, scope: [], policy: sessionApi.policy },
        )
        .catch((error: unknown) => {
          // The provider's discovery or keys could not be fetched: not a verdict on the token.
          if (error instanceof UpstreamUnavailable || error instanceof UpstreamMisconfigured)
            throw new SessionApiError(
              'SERVICE_UNAVAILABLE',
              'The identity provider could not be reached to check the id_token; retry later',
              503,
              { 'retry-after': '5' },
            );
          throw error;
        });
      if ('refused' in outcome) {
        if (outcome.refused === 'account_disabled') throw accountDisabled();
        throw new SessionApiError(
          'UNAUTHENTICATED',
          sentence(outcome.detail ?? 'the id_token is not accepted'),
          401,
        );
      }
      // Verified by now: its iss and sub are the identity that signed in.
      const { iss, sub } = decodeJwt(idToken);
      const refreshToken = outcome.tokens.refreshToken as string;
      setRefreshCookie(reply, config, refreshToken, sessionApi.refreshTtl);
      reply.header('cache-control', 'no-store');
      return {
        user: { ...userObject(outcome.user), oidc_issuer: iss as string, oidc_subject: sub as string },
        access_token: outcome.tokens.accessToken.token,
        refresh_token: refreshToken,
      };
    },
  );
}

function sentence(detail: string): string {
  return `${detail.charAt(0).toUpperCase()}${detail.slice(1)}`;
}
