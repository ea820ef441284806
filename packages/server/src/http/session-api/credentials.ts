import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.js';

export const refreshCookieName = 'tessera_refresh';
/** The cookie goes only to the endpoints that use it. */
const refreshCookiePath = '/token';

/** The bearer value of `Authorization: Bearer …`, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

export function refreshCookie(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === refreshCookieName) return rest.join('=') || undefined;
  }
  return undefined;
}

/** HttpOnly, SameSite=Strict, and Secure whenever the issuer is https. */
export function setRefreshCookie(
  reply: FastifyReply,
  config: Config,
  value: string,
  maxAgeSeconds: number,
): void {
  reply.header('set-cookie', cookie(config, value, maxAgeSeconds));
}

export function clearRefreshCookie(reply: FastifyReply, config: Config): void {
  reply.header('set-cookie', cookie(config, '', 0));
}

function cookie(config: Config, value: string, maxAge: number): string {
  const secure = config.issuer.startsWith('https:') ? '; Secure' : '';
  return `${refreshCookieName}=${value}; Path=${refreshCookiePath}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`;
}
