import { readFileSync } from 'node:fs';
import type { App } from '../types.js';

const stylesheet = readFileSync(new URL('./assets/tessera.css', import.meta.url), 'utf8');

/** GET /assets/tessera.css: the pages' only stylesheet (CSP allows 'self' only). */
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
}
