import type { FastifyReply, FastifyRequest } from 'fastify';
import { compactVerify } from 'jose';
import type { Client } from '../../clients/client.js';
import { redirectWith } from '../../oauth/authorize/authorization-request.js';
import type { Services } from '../../services.js';
import { PageError, sendHtml } from '../errors/page-error.js';
import { browserSession, clearSessionCookie, csrfToken, csrfTokenIsValid } from '../pages/browser-cookies.js';
import { errorPage } from '../pages/templates/error.js';
import { logoutConfirmPage, signedOutPage } from '../pages/templates/logout.js';
import type { App } from '../types.js';

const html = { type: 'string', description: 'HTML page' } as const;
const logoutQuery = {
  type: 'object',
  properties: {
    id_token_hint: { type: 'string' },
    post_logout_redirect_uri: { type: 'string' },
    state: { type: 'string' },
    client_id: { type: 'string' },
  },
} as const;
const logoutForm = {
  type: 'object',
  properties: {
    csrf_token: { type: 'string' },
    decision: { type: 'string' },
    post_logout_redirect_uri: { type: 'string' },
    state: { type: 'string' },
    client_id: { type: 'string' },
  },
} as const;

type LogoutParams = { post_logout_redirect_uri?: string; state?: string; client_id?: string };

/**
 * GET /oauth/logout: OpenID Connect RP-Initiated Logout 1.0. With a valid id_token_hint the
 * sign-out happens at once; without one the user confirms it (a CSRF-protected form), so a
 * stray link cannot sign anyone out. Only a registered post_logout_redirect_uri is followed.
 */
export function logoutRoutes(app: App, services: Services): void {
  async function clientOf(clientId: string | undefined): Promise<Client | undefined> {
    if (clientId === undefined) return undefined;
    const entry = await services.clientDirectory.find(clientId);
    return entry === undefined || entry.client.revokedAt !== null ? undefined : entry.client;
  }

  /** Where to go after signing out; refuses an unregistered URI with a page, never a redirect. */
  async function destination(
    params: LogoutParams,
    clientId: string | undefined,
  ): Promise<string | undefined> {
    if (params.post_logout_redirect_uri === undefined) return undefined;
    const client = await clientOf(clientId);
    if (client === undefined || !client.postLogoutRedirectUris.includes(params.post_logout_redirect_uri)) {
      throw new PageError(
        400,
        'Cannot return to the application',
        'The address to return to after signing out is not registered.',
      );
    }
    return redirectWith(params.post_logout_redirect_uri, { state: params.state });
  }

  async function signOut(request: FastifyRequest, reply: FastifyReply, location: string | undefined) {
    const browser = await browserSession(request, services);
    if (browser !== undefined) {
      await services.sessions.end(browser.session.id, 'logout');
      await services.audit.record({
        type: 'logout',
        actor: `user:${browser.user.id}`,
        subject: `session:${browser.session.id}`,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        details: { via: 'rp_initiated_logout' },
      });
    }
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
    async function rpLogout(request, reply) {
      const query = request.query;
      let clientId = query.client_id;
      if (query.id_token_hint !== undefined) {
        const hint = await readHint(query.id_token_hint, services);
        if (hint === undefined)
          throw new PageError(400, 'Cannot sign out', 'The sign-out request is not valid.');
        if (query.client_id !== undefined && query.client_id !== hint.audience) {
          throw new PageError(
            400,
            'Cannot sign out',
            'The sign-out request names two different applications.',
          );
        }
        clientId = hint.audience;
        // Sign out at once only when the hint speaks for this browser's own session; someone
        // else's ID token must not sign this browser out without asking (logout CSRF).
        const browser = await browserSession(request, services);
        if (browser === undefined || hint.sid === browser.session.id) {
          return signOut(request, reply, await destination(query, clientId));
        }
      }
      await destination(query, clientId);
      const hidden: Record<string, string> = {};
      for (const name of ['post_logout_redirect_uri', 'state'] as const) {
        const value = query[name];
        if (value !== undefined) hidden[name] = value;
      }
      if (clientId !== undefined) hidden.client_id = clientId;
      return sendHtml(
        reply,
        200,
        logoutConfirmPage({
          action: '/oauth/logout',
          csrfToken: csrfToken(request, reply, services),
          hidden,
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
      if (!csrfTokenIsValid(request, services, form.csrf_token)) {
        throw new PageError(403, 'The form has expired', 'Go back, reload the page and try again.');
      }
      const location = await destination(form, form.client_id);
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

/** What an id_token_hint says, if the token is ours (signature and issuer; expiry does not matter here). */
async function readHint(
  token: string,
  services: Services,
): Promise<{ audience: string; sid: unknown } | undefined> {
  try {
    const { payload } = await compactVerify(token, services.keys.verificationKeys('id'), {
      algorithms: ['RS256', 'ES256', 'EdDSA'],
    });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as {
      iss?: unknown;
      aud?: unknown;
      sid?: unknown;
    };
    if (claims.iss !== services.config.issuer) return undefined;
    const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
    return typeof audience === 'string' ? { audience, sid: claims.sid } : undefined;
  } catch {
    return undefined;
  }
}
