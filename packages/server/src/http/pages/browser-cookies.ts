import type { CookieSerializeOptions } from '@fastify/cookie';
import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Browser, BrowserUser } from '../../oauth/authorize/authorization-flow.js';
import { constantTimeEqual } from '../../platform/constant-time.js';
import { randomToken } from '../../platform/random.js';
import type { Services } from '../../services.js';
import type { App } from '../types.js';

/**
 * With an https issuer the cookies carry the __Host- prefix: the browser then refuses them from a
 * sibling subdomain or over http, so nobody can plant a session or CSRF cookie (fixation).
 */
const cookieName = (services: Services, name: string) =>
  services.config.issuer.startsWith('https:') ? `__Host-${name}` : name;

/** HttpOnly, SameSite=Lax (so single sign-on survives the redirect from an app), Secure with an https issuer. */
const cookieOptions = (services: Services): CookieSerializeOptions => ({
  path: '/',
  httpOnly: true,
  sameSite: 'lax',
  secure: services.config.issuer.startsWith('https:'),
});

/** @fastify/cookie for the page scope, signing with the cookie keys (the first signs, all verify). */
export async function useBrowserCookies(scope: App, services: Services): Promise<void> {
  await scope.register(cookie, { secret: [...services.cookies.keys] });
}

/** The browser's live sign-in session, from the signed session cookie. */
export async function browserSession(
  request: FastifyRequest,
  services: Services,
): Promise<BrowserUser | undefined> {
  const signed = request.cookies[cookieName(services, 'tessera_session')];
  if (signed === undefined) return undefined;
  const { valid, value } = request.unsignCookie(signed);
  if (!valid || value === null) return undefined;
  return services.browserSessions.resume(value);
}

export function setSessionCookie(
  reply: FastifyReply,
  services: Services,
  session: BrowserUser['session'],
): void {
  const maxAge = Math.max(
    0,
    Math.floor((session.expiresAt.getTime() - services.clock.now().getTime()) / 1000),
  );
  reply.setCookie(cookieName(services, 'tessera_session'), session.id, {
    ...cookieOptions(services),
    maxAge,
    signed: true,
  });
}

export function clearSessionCookie(reply: FastifyReply, services: Services): void {
  reply.clearCookie(cookieName(services, 'tessera_session'), cookieOptions(services));
}

/**
 * A random secret per browser in an HttpOnly cookie (named tessera_csrf for its first use): the
 * forms' CSRF tokens are keyed digests of it, and interactions are bound to it. A cross-site
 * page can neither read it nor compute the digest.
 */
export function browserKey(request: FastifyRequest, reply: FastifyReply, services: Services): string {
  const name = cookieName(services, 'tessera_csrf');
  const value = request.cookies[name];
  if (value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  const fresh = randomToken(32);
  reply.setCookie(name, fresh, { ...cookieOptions(services), maxAge: 86_400 });
  // Later calls in this request see the value the browser will send back.
  request.cookies[name] = fresh;
  return fresh;
}

/** The browser a flow step comes from: its sign-in session (if any) and its key. */
export async function currentBrowser(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
): Promise<Browser> {
  return { signedIn: await browserSession(request, services), key: browserKey(request, reply, services) };
}

/** The CSRF token a form of this browser carries. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply, services: Services): string {
  return services.cookies.mac(`csrf:${browserKey(request, reply, services)}`);
}

export function csrfTokenIsValid(request: FastifyRequest, services: Services, submitted: unknown): boolean {
  const value = request.cookies[cookieName(services, 'tessera_csrf')];
  if (value === undefined || typeof submitted !== 'string') return false;
  return constantTimeEqual(submitted, services.cookies.mac(`csrf:${value}`));
}
