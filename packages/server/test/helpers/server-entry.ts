import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const serverDir = fileURLToPath(new URL('../../', import.meta.url));
const sourceDir = join(serverDir, 'src');
/**
 * Where the copies go: in the server package (git ignores `.tessera-test/`), so that they find
 * its packages and its `"type": "module"` as `src` does. test/global-setup.ts removes those of
 * workers that are gone, by the pid in their names.
 */
export const transpiledDir = join(serverDir, '.tessera-test');
export const transpiledPrefix = 'server-';

let entry: Promise<string> | undefined;

/**
 * `src/main.ts` as JavaScript, for the tests that start Tessera as a process (`tessera serve`,
 * the CLI). Each test worker transpiles the current source once, file by file with esbuild and the
 * options tsx uses, so a process runs what it would run under tsx, with no build. Starting every
 * process through tsx instead cost about a second of CPU each (its loader hooks run on another
 * thread, a round trip per module), and these tests start a few dozen.
 */
export function serverEntry(): Promise<string> {
  entry ??= transpile();
  return entry;
}

async function transpile(): Promise<string> {
  mkdirSync(transpiledDir, { recursive: true });
  const out = mkdtempSync(join(transpiledDir, `${transpiledPrefix}${process.pid}-`));
  process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  const entryPoints = readdirSync(sourceDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(sourceDir, file));
  await build({
    entryPoints,
    outdir: out,
    outbase: sourceDir,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    tsconfig: join(serverDir, 'tsconfig.json'),
    keepNames: true,
    logLevel: 'error',
  });
  // The pages' static files, which only TypeScript files are transpiled beside (as
  // scripts/copy-assets.mjs does for dist).
  cpSync(join(sourceDir, 'http/pages/assets'), join(out, 'http/pages/assets'), { recursive: true });
  return join(out, 'main.js');
}
