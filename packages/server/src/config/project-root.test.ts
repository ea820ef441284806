import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { projectRoot } from './project-root.js';

// Issue 13: run from packages/server, the CLI made a new, empty packages/server/data/.
describe('projectRoot and the default database path', () => {
  let top: string;

  beforeEach(() => {
    top = mkdtempSync(join(tmpdir(), 'tessera-root-'));
  });

  afterEach(() => rmSync(top, { recursive: true, force: true }));

  it('is the workspaces root from any folder below it, the nearest package otherwise, else cwd', () => {
    const pkg = join(top, 'packages/server');
    mkdirSync(join(pkg, 'src'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"name": "@x/server"}');
    expect(projectRoot(join(pkg, 'src'))).toBe(pkg);
    expect(projectRoot(top)).toBe(top);

    writeFileSync(join(top, 'package.json'), '{"workspaces": ["packages/*"]}');
    expect(projectRoot(join(pkg, 'src'))).toBe(top);
    expect(loadConfig({}, join(pkg, 'src')).database).toEqual({
      kind: 'sqlite',
      path: join(top, 'data/tessera.db'),
    });
    // A path the user gives is still taken from where they are.
    expect(loadConfig({ TESSERA_DATABASE_URL: 'x.db' }, pkg).database).toEqual({
      kind: 'sqlite',
      path: join(pkg, 'x.db'),
    });
  });
});
