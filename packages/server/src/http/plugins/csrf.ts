import type { FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import { PageError } from '../errors/page-error.js';
import { csrfTokenIsValid } from '../pages/browser-cookies.js';
import type { App } from '../types.js';

/**
 * One CSRF check for every form post of a page scope (STYLE C18): a POST whose `csrf_token` does
 * not match the browser's CSRF cookie is refused before any handler runs.
 */
export function csrfProtection(scope: App, services: Services): void {
  scope.addHook('preHandler', async function checkCsrfToken(request: FastifyRequest) {
    if (request.method !== 'POST') return;
    const submitted = (request.body as Record<string, unknown> | undefined)?.csrf_token;
    if (!csrfTokenIsValid(request, services, submitted)) {
      throw new PageError(403, 'The form has expired', 'Go back, reload the page and try again.');
    }
  });
}
