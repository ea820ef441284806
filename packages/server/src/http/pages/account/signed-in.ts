import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../audit/actor.js';
import type { BrowserUser } from '../../../oauth/authorize/authorization-flow.js';
import type { Services } from '../../../services.js';
import { browserSession } from '../browser-cookies.js';
import { signinLocation } from '../return-to.js';

/**
 * The signed-in browser an account page is for. Without one the browser is sent to the sign-in
 * page, which brings it back to /account (return-to.ts): the caller must then stop (undefined).
 */
export async function signedInOrRedirect(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
): Promise<BrowserUser | undefined> {
  const signedIn = await browserSession(request, services);
  if (signedIn === undefined) {
    reply.redirect(signinLocation('/account'), 303);
    return undefined;
  }
  return signedIn;
}

/** The person acting on their own account, for the audit log. */
export function pageActor(request: FastifyRequest, signedIn: BrowserUser): Actor {
  return {
    actor: `user:${signedIn.user.id}`,
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  };
}
