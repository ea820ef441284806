import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the SDKs from source, so they need no build first.
    alias: [
      { find: /^@tessera\/verify\/(.*)$/, replacement: source('./packages/verify/src/adapters/$1.ts') },
      { find: /^@tessera\/verify$/, replacement: source('./packages/verify/src/index.ts') },
      {
        find: /^@tessera\/client\/file-store$/,
        replacement: source('./packages/client/src/storage/file.ts'),
      },
      { find: /^@tessera\/client$/, replacement: source('./packages/client/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['packages/server/test/global-setup.ts'],
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one worker on a 2-core machine. The tests
    // spend much of their time waiting on PostgreSQL, argon2 and child processes, so one per core
    // overlaps that (measured on 2 cores: 47 s → 35 s for 14 files; three workers were slower).
    maxWorkers: availableParallelism(),
    // A worker reuses its module graph across test files: no file re-imports Fastify, Kysely and
    // the server, and the per-worker test database templates and signing keys are made once. No
    // test relies on fresh module state (no mocks, stubbed globals or env writes).
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
