import { createRequire } from 'node:module';

/**
 * prom-client, required on first use rather than imported: metrics are off by default, and a
 * server without them then never loads it (about 2 MB of heap, measured with `--expose-gc`).
 */
export function promClient(): typeof import('prom-client') {
  return createRequire(import.meta.url)('prom-client') as typeof import('prom-client');
}
