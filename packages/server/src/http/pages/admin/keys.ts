import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import { keywordParameter } from '../../schemas/parameters.js';
import type { App } from '../../types.js';
import { csrfToken } from '../browser-cookies.js';
import { keysPage } from '../templates/admin/keys.js';
import { administratorOf, consoleActor, flashMessage, redirectAfterPost } from './console-guard.js';
import { formConsumes, formResponses, pageResponses } from './page-schemas.js';

/** GET /admin/keys and POST /admin/keys/rotate. */
export function consoleKeyRoutes(app: App, services: Services): void {
  app.get(
    '/admin/keys',
    {
      schema: {
        summary: 'Admin console: signing keys',
        tags: ['pages'],
        response: pageResponses,
        querystring: { type: 'object', properties: { done: keywordParameter } },
      },
    },
    async function showKeys(request, reply) {
      const page = keysPage({
        admin: administratorOf(request).user.username,
        csrfToken: csrfToken(request, reply, services),
        keys: await services.keys.list(),
        flash: flashMessage(request.query.done),
      });
      return sendHtml(reply, 200, page);
    },
  );

  app.post(
    '/admin/keys/rotate',
    {
      schema: {
        summary: 'Admin console: rotate the signing keys',
        tags: ['pages'],
        consumes: formConsumes,
        response: formResponses,
        body: { type: 'object', properties: { csrf_token: keywordParameter } },
      },
    },
    async function rotateKeys(request, reply) {
      await services.keys.rotate(consoleActor(request));
      return redirectAfterPost(reply, '/admin/keys', 'keys_rotated');
    },
  );
}
