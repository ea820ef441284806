import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Session } from '../../accounts/session.js';
import type { User } from '../../accounts/user.js';
import { constantTimeEqual } from '../../platform/constant-time.js';
import { randomToken } from '../../platform/random.js';
import type { Services } from '../../services.js';

/**
 * With an https issuer the cookies carry the __Host- prefix: the browser then refuses them from a
 * sibling subdomain or over http, so nobody can plant a session or CSRF cookie (fixation).
 */
const cookieName = (services: Services, name: string) =>
  services.config.issuer.startsWith('https:') ? `__Host-${name}` : name;

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=') || undefined;
  }
  return undefined;
}

/** HttpOnly, SameSite=Lax (so single sign-on survives the redirect from an app), Secure with an https issuer. */
function cookie(services: Services, name: string, value: string, maxAge: number): string {
  const secure = services.config.issuer.startsWith('https:') ? '; Secure' : '';
  return `${name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

function appendCookie(reply: FastifyReply, value: string): void {
  const existing = reply.getHeader('set-cookie');
  const list =
    existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  reply.header('set-cookie', [...list, value]);
}

/** The browser's live sign-in session, from the signed session cookie. */
export async function browserSession(
  request: FastifyRequest,
  services: Services,
): Promise<{ session: Session; user: User } | undefined> {
  const signed = readCookie(request, cookieName(services, 'tessera_session'));
  const id = signed === undefined ? undefined : services.cookies.unsign(signed);
  if (id === undefined) return undefined;
  return services.sessions.resumeBrowserSession(id, services.config.browserIdleTimeout);
}

export function setSessionCookie(reply: FastifyReply, services: Services, session: Session): void {
  const maxAge = Math.max(
    0,
    Math.floor((session.expiresAt.getTime() - services.clock.now().getTime()) / 1000),
  );
  appendCookie(
    reply,
    cookie(services, cookieName(services, 'tessera_session'), services.cookies.sign(session.id), maxAge),
  );
}

export function clearSessionCookie(reply: FastifyReply, services: Services): void {
  appendCookie(reply, cookie(services, cookieName(services, 'tessera_session'), '', 0));
}

/**
 * CSRF protection for the forms: a random cookie, and in the form a keyed digest of it. A
 * cross-site page can neither read the cookie nor compute the digest.
 */
export function csrfToken(request: FastifyRequest, reply: FastifyReply, services: Services): string {
  let value = readCookie(request, cookieName(services, 'tessera_csrf'));
  if (value === undefined || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
    value = randomToken(32);
    appendCookie(reply, cookie(services, cookieName(services, 'tessera_csrf'), value, 86_400));
  }
  return services.cookies.mac(`csrf:${value}`);
}

export function csrfTokenIsValid(
  request: FastifyRequest,
  services: Services,
  submitted: string | undefined,
): boolean {
  const value = readCookie(request, cookieName(services, 'tessera_csrf'));
  if (value === undefined || submitted === undefined) return false;
  return constantTimeEqual(submitted, services.cookies.mac(`csrf:${value}`));
}
