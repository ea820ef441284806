import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import { createPerson } from '../helpers/test-server.js';
import { type ListeningServer, runProgram, sessionError, startListeningServer } from './listening-server.js';

/** Python 3, stdlib urllib only: what existing scripts against the session API look like. */
const client = fileURLToPath(new URL('./clients/session_client.py', import.meta.url));

describeEachDialect('compat: Python session API client (stdlib urllib)', (dialect) => {
  let listening: ListeningServer;
  let scratch: string;
  beforeAll(async () => {
    listening = await startListeningServer(dialect);
    await createPerson(listening.server.services, { permissions: ['can_run_pipelines'], groups: ['staff'] });
  });
  afterAll(() => listening.close());
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'tessera-compat-py-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const python = (...args: string[]) => runProgram('python3', [client, listening.baseUrl, ...args]);
  const readTokens = (path: string) =>
    JSON.parse(readFileSync(path, 'utf8')) as { access_token: string; refresh_token: string };

  it('logs in and saves both tokens (0600), starts again from the file, refreshes, reads user.can_run_pipelines', async () => {
    const file = join(scratch, 'tokens.json');

    const login = await python(file, 'login', 'alice', 'correct horse battery');
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(JSON.parse(login.stdout)).toEqual({
      username: 'alice',
      groups: ['staff'],
      can_run_pipelines: true,
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = readTokens(file);
    expect(saved).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String) });

    // A separate process, knowing nothing but the file.
    const refreshed = await python(file, 'refresh');
    expect(refreshed.stderr).toBe('');
    expect(refreshed.code).toBe(0);
    expect(JSON.parse(refreshed.stdout)).toEqual({
      username: 'alice',
      groups: ['staff'],
      can_run_pipelines: true,
    });
    const rotated = readTokens(file);
    expect(rotated.refresh_token).not.toBe(saved.refresh_token);
    expect(rotated.access_token).not.toBe(saved.access_token);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // And again from the rotated file.
    const again = await python(file, 'refresh');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).can_run_pipelines).toBe(true);
    expect(readTokens(file).refresh_token).not.toBe(rotated.refresh_token);
  });

  it('reads the exact error envelope for a wrong password', async () => {
    const file = join(scratch, 'tokens.json');
    const login = await python(file, 'login', 'alice', 'wrong password');
    expect(login.code).toBe(2);
    expect(JSON.parse(login.stdout)).toEqual({
      status: 401,
      body: sessionError('Invalid username or password', 'INVALID_CREDENTIALS'),
    });
  });
});
