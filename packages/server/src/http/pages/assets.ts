import { readFileSync } from 'node:fs';
import type { App } from '../types.js';

const stylesheet = readFileSync(new URL('./assets/tessera.css', import.meta.url), 'utf8');
const copyScript = readFileSync(new URL('./assets/copy.js', import.meta.url), 'utf8');

/** GET /assets/tessera.css: the pages' only stylesheet (CSP allows 'self' only); GET /assets/copy.js. */
export function assetRoutes(app: App): void {
  app.get(
    '/assets/tessera.css',
    {
      schema: { summary: 'Stylesheet of the pages', tags: ['pages'], response: { 200: { type: 'string' } } },
    },
    async function serveStylesheet(_request, reply) {
      reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600');
      return stylesheet;
    },
  );
  // The account portal's copy buttons: the one script the pages load, a file, never inline.
  app.get(
    '/assets/copy.js',
    {
      schema: {
        summary: 'Copy-to-clipboard script of the account pages',
        tags: ['pages'],
        response: { 200: { type: 'string' } },
      },
    },
    async function serveCopyScript(_request, reply) {
      reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=3600');
      return copyScript;
    },
  );
}
