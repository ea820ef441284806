import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../audit/actor.js';
import type { BrowserUser } from '../../../oauth/authorize/authorization-flow.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../platform/errors.js';
import type { Services } from '../../../services.js';
import { isAdministrator } from '../../api/caller.js';
import { PageError, sendHtml } from '../../errors/page-error.js';
import type { App } from '../../types.js';
import { browserSession } from '../browser-cookies.js';
import { signinLocation } from '../return-to.js';
import { forbiddenPage } from '../templates/admin/forbidden.js';

const administrators = new WeakMap<FastifyRequest, BrowserUser>();

/**
 * Every console route: not signed in → the sign-in page, which comes back to /admin (303);
 * signed in without being an administrator → a 403 page. Runs on request, before the body is read.
 */
export function guardConsole(scope: App, services: Services): void {
  scope.addHook('onRequest', async function requireAdministrator(request, reply) {
    const signedIn = await browserSession(request, services);
    if (signedIn === undefined) return reply.redirect(signinLocation('/admin'), 303);
    if (!isAdministrator(signedIn.user)) return sendHtml(reply, 403, forbiddenPage(signedIn.user.username));
    administrators.set(request, signedIn);
    return undefined;
  });
}

/** The administrator the guard let through. */
export function administratorOf(request: FastifyRequest): BrowserUser {
  const signedIn = administrators.get(request);
  if (signedIn === undefined) throw new Error('route is outside the admin console');
  return signedIn;
}

/** The audit log's actor for an action taken in the console. */
export function consoleActor(request: FastifyRequest): Actor {
  return {
    actor: `user:${administratorOf(request).user.id}`,
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  };
}

/** A domain refusal a form can show next to itself (status and words), or undefined for anything else. */
export function formRefusal(error: unknown): { status: number; message: string } | undefined {
  if (error instanceof InvalidInputError) return { status: 400, message: error.message };
  if (error instanceof ConflictError) return { status: 409, message: error.message };
  if (error instanceof NotFoundError) return { status: 404, message: error.message };
  return undefined;
}

/** Runs a console action; a domain refusal becomes an error page instead of a 500. */
export async function consoleAction<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const refusal = formRefusal(error);
    if (refusal === undefined) throw error;
    throw new PageError(refusal.status, refusal.status === 404 ? 'Not found' : 'Not done', refusal.message);
  }
}

/** After a form: back to `path` with a flash key (see flashMessage), 303 so a reload does not post again. */
export function redirectAfterPost(reply: FastifyReply, path: string, done: string): FastifyReply {
  return reply.redirect(`${path}?done=${encodeURIComponent(done)}`, 303);
}

const flashes: Readonly<Record<string, string>> = {
  disabled: 'The account is disabled: its sessions ended and its tokens are refused.',
  enabled: 'The account is enabled.',
  password_set: 'The password is set; their sessions ended.',
  sessions_ended: 'Every session of the account ended.',
  token_revoked: 'The token is revoked.',
  service_account_created: 'The service account is created. Issue it a token below.',
  client_revoked: 'The client is revoked: its tokens are refused.',
  scope_created: 'The scope is created.',
  keys_rotated: 'New signing keys are made; the old ones stay published until their tokens expire.',
};

/** The fixed message a `done` flag names; unknown flags show nothing (no query text is ever echoed). */
export function flashMessage(done: string | undefined): string | null {
  return done === undefined ? null : (flashes[done] ?? null);
}
