import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { describeEachDialect, type FreshDatabase, freshDatabase } from '../helpers/databases.js';
import { testSecret } from '../helpers/test-server.js';

/** `tessera client create --grant`: checked against the server's grant catalogue (oauth/grants). */
describeEachDialect('tessera client create --grant', (dialect) => {
  let fresh: FreshDatabase;
  let cwd: string;

  beforeEach(async () => {
    fresh = await freshDatabase(dialect);
    cwd = mkdtempSync(join(tmpdir(), 'tessera-cli-cwd-'));
  });

  afterEach(async () => {
    await fresh.dispose();
    rmSync(cwd, { recursive: true, force: true });
  });

  async function create(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const sink = (append: (text: string) => void) =>
      new Writable({
        write(chunk, _encoding, done) {
          append(String(chunk));
          done();
        },
      });
    const code = await runCli({
      argv: ['client', 'create', '--name', 'N', ...args, '--json'],
      env: { TESSERA_DATABASE_URL: fresh.url, TESSERA_DATA_DIR: fresh.dataDir, TESSERA_SECRET: testSecret },
      cwd,
      stdout: sink((text) => (stdout += text)),
      stderr: sink((text) => (stderr += text)),
      stdin: Readable.from([]),
    });
    return { code, stdout, stderr };
  }

  it('names the known grants when one is unknown', async () => {
    expect(await create('--type', 'confidential', '--grant', 'implicit')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "tessera: unknown grant 'implicit'; use one of authorization_code, refresh_token, client_credentials, password\n",
    });
  });

  it('refuses a public client the grants that need a secret', async () => {
    for (const grant of ['client_credentials', 'password']) {
      expect(
        await create('--type', 'public', '--grant', grant, '--redirect-uri', 'https://a.example/cb'),
      ).toEqual({
        code: 1,
        stdout: '',
        stderr: `tessera: a public client cannot use the ${grant} grant (it has no secret)\n`,
      });
    }
    expect(await fresh.handle.db.selectFrom('clients').selectAll().execute()).toEqual([]);
  });

  it('gives a public client the grants public clients may use', async () => {
    const result = await create(
      '--type',
      'public',
      '--grant',
      'refresh_token',
      '--grant',
      'authorization_code',
      '--redirect-uri',
      'https://a.example/cb',
    );
    expect(result.code).toBe(0);
    const rows = await fresh.handle.db.selectFrom('clients').select(['grant_types']).execute();
    expect(rows.map((r) => JSON.parse(String(r.grant_types)))).toEqual([
      ['refresh_token', 'authorization_code'],
    ]);
  });
});
