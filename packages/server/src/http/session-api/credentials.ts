import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.js';
import type { App } from '../types.js';

export const refreshCookieName = 'tessera_refresh';
/** The cookie goes only to the endpoint that uses it. */
const refreshCookiePath = '/token';

/** @fastify/cookie for the session API scope (the refresh cookie is an opaque token: not signed). */
export async function useSessionCookies(scope: App): Promise<void> {
  await scope.register(cookie);
}

/** The bearer value of `Authorization: Bearer …`, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

export function refreshCookie(request: FastifyRequest): string | undefined {
  return request.cookies[refreshCookieName] || undefined;
}

/** HttpOnly, SameSite=Strict, and Secure whenever the issuer is https. */
const options = (config: Config) =>
  ({
    path: refreshCookiePath,
    httpOnly: true,
    sameSite: 'strict',
    secure: config.issuer.startsWith('https:'),
  }) as const;

export function setRefreshCookie(
  reply: FastifyReply,
  config: Config,
  value: string,
  maxAgeSeconds: number,
): void {
  reply.setCookie(refreshCookieName, value, { ...options(config), maxAge: maxAgeSeconds });
}

export function clearRefreshCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(refreshCookieName, options(config));
}
