import type { FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import { sendSessionError } from '../errors/session-error-response.js';
import { useBrowserCookies } from '../pages/browser-cookies.js';
import { useJsonParser } from '../plugins/form-body.js';
import { useRateLimits } from '../plugins/rate-limit.js';
import { forbidden } from '../session-api/errors.js';
import type { App } from '../types.js';
import { type Caller, identifyCaller, isAdministrator } from './caller.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API scopes' authentication hook before anything else runs. */
    apiCaller: Caller | null;
  }
  interface FastifyInstance {
    /** The admin and self-service API routes with who may call each (the authorization matrix test reads it). */
    apiRoutes: readonly ApiRoute[];
  }
}

/** Who may call an API: administrators (`/admin/api/`) or any signed-in user for their own account (`/account/api/`). */
export type ApiAccess = 'admin' | 'account';

/** One route of the admin or self-service API, as the authorization matrix test reads them. */
export interface ApiRoute {
  readonly method: string;
  readonly url: string;
  readonly access: ApiAccess;
}

/**
 * Registers an API under `prefix` (STYLE C4: its own scope, parsers and error shape): JSON in, the
 * session envelope out, for `access` callers only. The caller is identified in `onRequest`, before
 * the body is read or validated, so an anonymous request gets 401 and a non-admin 403 whatever it
 * sends (SPEC). Every route it registers is added to `table`.
 */
export async function registerApi(
  app: App,
  services: Services,
  options: { prefix: string; access: ApiAccess; table: ApiRoute[] },
  routes: (scope: App) => void | Promise<void>,
): Promise<void> {
  const { prefix, access, table } = options;
  await app.register(
    async function api(scope: App) {
      scope.removeAllContentTypeParsers();
      useJsonParser(scope, services.config.bodyLimit);
      scope.setErrorHandler(sendSessionError);
      await useBrowserCookies(scope, services);
      scope.decorateRequest('apiCaller', null);
      scope.addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) {
          if (method !== 'HEAD') table.push({ method, url: route.url, access });
        }
      });
      scope.addHook('onRequest', async function authenticateApiCaller(request, reply) {
        // Answers are about one account or the whole server: no shared cache may keep them.
        reply.header('cache-control', 'no-store');
        const caller = await identifyCaller(request, services);
        if (access === 'admin' && !isAdministrator(caller.user)) {
          throw forbidden('Administrator access required');
        }
        request.apiCaller = caller;
      });
      useRateLimits(scope, services, { everyRoute: { route: 'api', by: 'token' } });
      await routes(scope);
    },
    { prefix },
  );
}

/** The caller the authentication hook identified; every API route has one. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.apiCaller === null) throw new Error('route is outside an API scope');
  return request.apiCaller;
}
