import { existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { transpiledDir, transpiledPrefix } from './helpers/server-entry.js';
import { isCi, selectedDialects } from './helpers/test-dialects.js';

const prefix = 'tessera_w_';

/**
 * Drops the per-worker PostgreSQL databases (test/helpers/postgres-template.ts) whose worker process is
 * gone, before and after a run; another run going on at the same time keeps its own.
 */
async function dropWorkerDatabases(): Promise<void> {
  const url = process.env.TESSERA_TEST_POSTGRES_URL;
  if (url === undefined || url === '') return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      'select datname from pg_database where datname like $1',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      const pid = Number(datname.slice(prefix.length).split('_')[0]);
      if (isAlive(pid)) continue;
      await client.query(`drop database if exists ${datname} with (force)`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Removes the SQLite templates (test/helpers/sqlite-template.ts) and transpiled servers
 * (test/helpers/server-entry.ts) of worker processes that are gone.
 */
function removeWorkerTemplates(): void {
  removeByPid(tmpdir(), 'tessera-template-');
  removeByPid(transpiledDir, transpiledPrefix);
}

/** Removes the entries of `dir` named `${prefix}${pid}-…` whose process is gone. */
function removeByPid(dir: string, prefix: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).filter((n) => n.startsWith(prefix))) {
    if (isAlive(Number(name.slice(prefix.length).split('-')[0]))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

export async function setup(): Promise<void> {
  // Refuses a dialect filter in CI before any test file starts.
  selectedDialects(process.env, isCi(process.env));
  removeWorkerTemplates();
  await dropWorkerDatabases();
}

export async function teardown(): Promise<void> {
  await dropWorkerDatabases();
  removeWorkerTemplates();
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
