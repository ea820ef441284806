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
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
