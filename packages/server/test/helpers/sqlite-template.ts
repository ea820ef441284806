import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../../src/storage/database.js';

let template: Promise<string> | undefined;

/**
 * Writes a migrated SQLite database to `path`: a copy of a file migrated once per test worker,
 * cheaper than migrating each test's database. The template is closed before it is copied, so
 * its write-ahead log is already folded into the file.
 */
export async function copyMigratedSqlite(path: string): Promise<void> {
  template ??= migratedTemplate();
  copyFileSync(await template, path);
}

async function migratedTemplate(): Promise<string> {
  // Named by pid: test/global-setup.ts removes those of workers that were killed before exiting.
  const dir = mkdtempSync(join(tmpdir(), `tessera-template-${process.pid}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'template.db');
  const handle = openDatabase({ kind: 'sqlite', path });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  return path;
}
