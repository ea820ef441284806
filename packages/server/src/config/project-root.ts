import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The folder the default `./data` belongs to, so the server and the CLI find one database from
 * anywhere in the project: the nearest folder up from `cwd` whose package.json declares npm
 * workspaces (a monorepo's root, such as this repository's), else the nearest with a package.json,
 * else `cwd` itself.
 */
export function projectRoot(cwd: string): string {
  let nearestPackage: string | undefined;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      nearestPackage ??= dir;
      if (declaresWorkspaces(manifest)) return dir;
    }
    if (dirname(dir) === dir) return nearestPackage ?? resolve(cwd);
  }
}

function declaresWorkspaces(manifest: string): boolean {
  try {
    const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'workspaces' in parsed;
  } catch {
    // An unreadable or broken package.json marks no root; npm would refuse it anyway.
    return false;
  }
}
