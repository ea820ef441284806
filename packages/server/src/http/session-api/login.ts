import { userObject, userObjectSchema } from '../../presenters/user-object.js';
import type { Services } from '../../services.js';
import { passwordParameter, usernameParameter } from '../schemas/parameters.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';
import { setRefreshCookie } from './credentials.js';
import { accountDisabled, invalidCredentials } from './errors.js';

const loginRequest = {
  type: 'object',
  properties: { username: usernameParameter, password: passwordParameter },
  required: ['username', 'password'],
} as const;
const loginResponse = {
  type: 'object',
  properties: { user: userObjectSchema, access_token: { type: 'string' }, refresh_token: { type: 'string' } },
  required: ['user', 'access_token', 'refresh_token'],
} as const;

/** POST /login: username and password in, a session's first tokens out (and the refresh cookie). */
export function loginRoute(app: App, services: Services): void {
  const { config } = services;
  app.post(
    '/login',
    {
      schema: {
        summary: 'Sign in with username and password',
        tags: ['session'],
        // JSON only: a cross-site HTML form cannot send it, so no login CSRF.
        consumes: ['application/json'],
        body: loginRequest,
        response: { 200: loginResponse, ...sessionErrorResponses },
      },
    },
    async function login(request, reply) {
      const { username, password } = request.body;
      const meta = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
      const outcome = await services.sessionApi.login({ username, password }, meta);
      if ('refused' in outcome)
        throw outcome.refused === 'account_disabled' ? accountDisabled() : invalidCredentials();
      const refreshToken = outcome.tokens.refreshToken as string;
      setRefreshCookie(reply, config, refreshToken, services.sessionApi.refreshTtl);
      reply.header('cache-control', 'no-store');
      return {
        user: userObject(outcome.user),
        access_token: outcome.tokens.accessToken,
        refresh_token: refreshToken,
      };
    },
  );
}
