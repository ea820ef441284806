import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import type { Services } from '../services.js';
import { accountApiRoutes } from './account-api/routes.js';
import { adminApiRoutes } from './admin-api/routes.js';
import { type ApiRoute, registerApi } from './api/api-scope.js';
import { sendOAuthError } from './errors/oauth-error-response.js';
import { sendPageError } from './errors/page-error.js';
import { sendRootError } from './errors/root-error-response.js';
import { envelope, sendSessionError } from './errors/session-error-response.js';
import { lazyCompilers } from './lazy-compilers.js';
import { metricsRoutes } from './metrics.js';
import { authorizeRoute } from './oauth/authorize.js';
import { discoveryRoutes } from './oauth/discovery.js';
import { introspectRoute } from './oauth/introspect.js';
import { jwksRoute } from './oauth/jwks.js';
import { revokeRoute } from './oauth/revoke.js';
import { tokenRoute } from './oauth/token.js';
import { userinfoRoutes } from './oauth/userinfo.js';
import { operationsRoutes } from './operations.js';
import { accountPages } from './pages/account/routes.js';
import { adminPages } from './pages/admin/admin-pages.js';
import { assetRoutes } from './pages/assets.js';
import { useBrowserCookies } from './pages/browser-cookies.js';
import { consentRoutes } from './pages/consent.js';
import { federatedSigninRoutes } from './pages/federated-signin.js';
import { logoutRoutes } from './pages/logout.js';
import { signinRoutes } from './pages/signin.js';
import { batchedWrites } from './plugins/batched-writes.js';
import { answerClientError, answerUnmetExpectation } from './plugins/client-errors.js';
import { useCors } from './plugins/cors.js';
import { csrfProtection } from './plugins/csrf.js';
import { useFormParser, useJsonParser, useOAuthBodyParsers } from './plugins/form-body.js';
import { lazyRequestLogger } from './plugins/lazy-request-logger.js';
import { useRateLimits } from './plugins/rate-limit.js';
import { requestLog } from './plugins/request-log.js';
import { requestMetrics } from './plugins/request-metrics.js';
import { securityHeaders } from './plugins/security-headers.js';
import { useSessionCookies } from './session-api/credentials.js';
import { loginRoute } from './session-api/login.js';
import { logoutRoute } from './session-api/logout.js';
import { meRoute } from './session-api/me.js';
import { oidcLoginRoute } from './session-api/oidc-login.js';
import { onSessionApi } from './session-api/paths.js';
import { tokenRoute as sessionTokenRoute } from './session-api/token.js';
import type { App } from './types.js';

export const version = '0.1.0';

/** Builds the HTTP application over the services; main.ts listens, tests inject (STYLE C10). */
export async function buildApp(services: Services): Promise<App> {
  const { config } = services;
  const app: App = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    // request-log.ts writes the one line per request; Fastify's own lines would carry the URL.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    childLoggerFactory: lazyRequestLogger,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
    schemaController: { compilersFactory: lazyCompilers() },
    clientErrorHandler: answerClientError,
    // A path that cannot be decoded (FST_ERR_BAD_URL) is refused before routing; Fastify's own
    // answer would echo the whole URL, query included.
    frameworkErrors: sendRootError,
  }).withTypeProvider<JsonSchemaToTsProvider>();
  app.server.on('checkExpectation', answerUnmetExpectation);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tessera', version, description: 'OAuth 2.1 / OpenID Connect authorization server' },
      servers: [{ url: config.issuer }],
    },
  });
  await app.register(requestLog);
  if (services.metrics.enabled) await app.register(requestMetrics, { metrics: services.metrics });
  await app.register(securityHeaders, { https: config.issuer.startsWith('https:') });
  // Before any route: a route keeps the error handler set when it was added, and useCors adds
  // the preflight route (OPTIONS *), which parses a body like any other.
  app.setErrorHandler(sendRootError);
  await useCors(app, services);
  app.decorateRequest('oauthClient', null);
  app.decorateRequest('oauthClientSecretId', null);
  app.decorateRequest('parsedBasicCredentials', null);
  app.setNotFoundHandler(function notFound(request, reply) {
    const description = `no route for ${request.method} ${request.url.split('?')[0]}`;
    // The APIs' answers are never cached (api-scope.ts), this one included: it is outside their scopes.
    if (onSessionApi(request.url)) reply.header('cache-control', 'no-store');
    reply
      .status(404)
      .send(
        onSessionApi(request.url)
          ? envelope(description, 'NOT_FOUND')
          : { error: 'not_found', error_description: description },
      );
  });

  // OAuth endpoints that take a body: their own parsers and error shape (STYLE C4).
  await app.register(async function oauthEndpoints(scope: App) {
    await scope.register(batchedWrites);
    useOAuthBodyParsers(scope, config.bodyLimit);
    scope.setErrorHandler(sendOAuthError);
    useRateLimits(scope, services, {
      '/oauth/token': { route: 'token', by: 'client' },
      '/oauth/revoke': { route: 'revoke', by: 'client' },
      '/oauth/introspect': { route: 'introspect', by: 'client' },
      '/oauth/userinfo': { route: 'userinfo', by: 'token' },
    });
    tokenRoute(scope, services);
    introspectRoute(scope, services);
    revokeRoute(scope, services);
    userinfoRoutes(scope, services);
  });

  // The browser flow: HTML pages, form posts, errors shown as pages.
  await app.register(async function browserPages(scope: App) {
    scope.removeAllContentTypeParsers();
    useFormParser(scope, config.bodyLimit);
    scope.setErrorHandler(sendPageError);
    useRateLimits(scope, services, {
      '/oauth/authorize': { route: 'authorize', by: 'ip' },
      '/oauth/authorize/resume': { route: 'pages', by: 'ip' },
      '/signin': { route: 'pages', by: 'ip' },
      '/signin/oidc': { route: 'pages', by: 'ip' },
      '/signin/oidc/callback/:provider': { route: 'pages', by: 'ip' },
      '/consent': { route: 'pages', by: 'ip' },
      '/oauth/logout': { route: 'pages', by: 'ip' },
    });
    await useBrowserCookies(scope, services);
    csrfProtection(scope, services);
    authorizeRoute(scope, services);
    signinRoutes(scope, services);
    federatedSigninRoutes(scope, services);
    consentRoutes(scope, services);
    logoutRoutes(scope, services);
    await accountPages(scope, services);
    await adminPages(scope, services);
    assetRoutes(scope);
  });

  // The first-party session API: JSON in, the {"errors": […]} envelope out.
  await app.register(async function sessionApi(scope: App) {
    scope.removeAllContentTypeParsers();
    useJsonParser(scope, config.bodyLimit);
    scope.setErrorHandler(sendSessionError);
    useRateLimits(scope, services, {
      '/login': { route: 'login', by: 'ip' },
      '/oidc-login': { route: 'login', by: 'ip' },
      '/token': { route: 'session', by: 'ip' },
      '/logout': { route: 'session', by: 'ip' },
      '/me': { route: 'me', by: 'token' },
    });
    await useSessionCookies(scope);
    loginRoute(scope, services);
    oidcLoginRoute(scope, services);
    sessionTokenRoute(scope, services);
    meRoute(scope, services);
    logoutRoute(scope, services);
  });

  // The admin and self-service APIs: JSON and the session envelope, callers identified first.
  const apiRoutes: ApiRoute[] = [];
  await registerApi(app, services, { prefix: '/admin/api', access: 'admin', table: apiRoutes }, (scope) =>
    adminApiRoutes(scope, services),
  );
  await registerApi(app, services, { prefix: '/account/api', access: 'account', table: apiRoutes }, (scope) =>
    accountApiRoutes(scope, services),
  );
  app.decorate('apiRoutes', apiRoutes);

  discoveryRoutes(app, services);
  jwksRoute(app, services);

  operationsRoutes(app, services);
  metricsRoutes(app, services);
  app.get('/openapi.json', { schema: { hide: true } }, async function openapi() {
    return app.swagger();
  });

  return app;
}
