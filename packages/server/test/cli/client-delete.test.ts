import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { createStores } from '../../src/storage/repositories/index.js';
import { capture } from '../helpers/capture.js';
import { describeEachDialect, type FreshDatabase, freshDatabase } from '../helpers/databases.js';
import { testSecret } from '../helpers/test-server.js';

/** `tessera client delete ID` (issue 16): the client goes, with what was issued to it. */
describeEachDialect('tessera client delete', (dialect) => {
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

  async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = capture();
    const stderr = capture();
    const code = await runCli({
      argv,
      env: { TESSERA_DATABASE_URL: fresh.url, TESSERA_DATA_DIR: fresh.dataDir, TESSERA_SECRET: testSecret },
      cwd,
      stdout: stdout.stream,
      stderr: stderr.stream,
      stdin: Readable.from([]),
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  it('deletes the client and says so; a second delete finds nothing', async () => {
    const created = await cli('client', 'create', '--name', 'Worker', '--type', 'confidential', '--json');
    const { client_id } = JSON.parse(created.stdout) as { client_id: string };

    expect(await cli('client', 'delete', client_id)).toMatchObject({
      code: 0,
      stdout: `client ${client_id} deleted\n`,
    });
    expect(await createStores(fresh.handle.db).clients.findById(client_id)).toBeUndefined();
    const events = await createStores(fresh.handle.db).audit.tail(10);
    expect(events.find((event) => event.type === 'client.deleted')).toMatchObject({
      actor: 'cli',
      subject: `client:${client_id}`,
    });

    const again = await cli('client', 'delete', client_id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no client with id '${client_id}'`);
    expect((await cli('client', 'delete')).code).toBe(2);
  });

  it('--json prints the deleted client', async () => {
    const created = await cli('client', 'create', '--name', 'Worker', '--type', 'confidential', '--json');
    const { client_id } = JSON.parse(created.stdout) as { client_id: string };
    const deleted = await cli('client', 'delete', client_id, '--json');
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ client_id, name: 'Worker', type: 'confidential' });
  });
});
