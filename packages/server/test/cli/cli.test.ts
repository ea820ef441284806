import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import type { CliContext } from '../../src/cli/context.js';
import { capture } from '../helpers/capture.js';
import { describeEachDialect, type FreshDatabase, freshDatabase } from '../helpers/databases.js';
import { databaseSnapshot } from '../helpers/snapshot.js';
import { testSecret } from '../helpers/test-server.js';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface KeyJson {
  kid: string;
  alg: string;
  use: string;
  status: string;
  published_until: string | null;
}

interface ClientJson {
  client_id: string;
  name: string;
  type: string;
  grant_types: string[];
  redirect_uris: string[];
  scopes: string[];
  revoked_at: string | null;
}

describeEachDialect('tessera CLI', (dialect) => {
  let fresh: FreshDatabase;
  let cwd: string;

  async function setUp(options: { migrate?: boolean } = {}) {
    fresh = await freshDatabase(dialect, options);
    cwd = mkdtempSync(join(tmpdir(), 'tessera-cli-cwd-'));
  }

  afterEach(async () => {
    await fresh?.dispose();
    if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true });
  });

  async function cli(...argv: string[]): Promise<CliResult> {
    const out = capture();
    const err = capture();
    const ctx: CliContext = {
      argv,
      env: {
        TESSERA_DATABASE_URL: fresh.url,
        TESSERA_DATA_DIR: fresh.dataDir,
        TESSERA_SECRET: testSecret,
      },
      cwd,
      stdout: out.stream,
      stderr: err.stream,
      stdin: Readable.from([]),
    };
    const code = await runCli(ctx);
    return { code, stdout: out.text(), stderr: err.text() };
  }

  /** Runs a command with --json that must succeed; returns its parsed output. */
  async function json<T = unknown>(...argv: string[]): Promise<T> {
    const result = await cli(...argv, '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(result.stdout.trimEnd()).not.toContain('\n');
    return JSON.parse(result.stdout) as T;
  }

  function expectOneLineError(result: CliResult, code: number): void {
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr.startsWith('tessera: ')).toBe(true);
    expect(result.stderr.split('\n').filter((l) => l.startsWith('    at '))).toEqual([]);
    expect(result.stderr).not.toMatch(/\bat .*\.[jt]s:\d+:\d+/);
  }

  describe('with a migrated database', () => {
    beforeEach(() => setUp());

    it('scope create, update and list', async () => {
      const created = await json('scope', 'create', 'read:agents', '--description', 'D', '--claim', 'did');
      expect(created).toEqual({
        name: 'read:agents',
        description: 'D',
        claims: ['did'],
        built_in: false,
        restricted: false,
      });

      const updated = await json(
        'scope',
        'update',
        'read:agents',
        '--description',
        'Read agents',
        '--claim',
        'did',
        '--claim',
        'tenant',
      );
      expect(updated).toEqual({
        name: 'read:agents',
        description: 'Read agents',
        claims: ['did', 'tenant'],
        built_in: false,
        restricted: false,
      });

      const scopes = await json<Array<{ name: string; built_in: boolean }>>('scope', 'list');
      expect(scopes).toContainEqual(updated);
      // Restricted scopes: only an administrator puts them on a client (issue 16).
      expect(await json('scope', 'create', 'admin:billing', '--restricted')).toMatchObject({
        restricted: true,
      });
      expect(await json('scope', 'update', 'admin:billing', '--no-restricted')).toMatchObject({
        restricted: false,
      });
      // The OIDC scopes are present from the first command on.
      expect(scopes.filter((s) => s.built_in).map((s) => s.name)).toEqual(
        expect.arrayContaining(['openid', 'profile', 'email']),
      );
    });

    it('scope create of an existing name is a one-line error with exit 1', async () => {
      await json('scope', 'create', 'read:agents');
      const result = await cli('scope', 'create', 'read:agents');
      expectOneLineError(result, 1);
      expect(result.stderr).toContain('read:agents');
    });

    it('client create, list, rotate-secret and revoke', async () => {
      await json('scope', 'create', 'read:agents', '--description', 'D');

      const confidential = await json<{ client_id: string; client_secret: string }>(
        'client',
        'create',
        '--name',
        'N',
        '--type',
        'confidential',
        '--scope',
        'read:agents',
      );
      expect(Object.keys(confidential).sort()).toEqual(['client_id', 'client_secret']);
      expect(confidential.client_id).toEqual(expect.any(String));
      expect(confidential.client_secret.length).toBeGreaterThanOrEqual(32);

      const pub = await json<Record<string, string>>(
        'client',
        'create',
        '--name',
        'Web app',
        '--type',
        'public',
        '--redirect-uri',
        'https://app.example/cb',
      );
      expect(Object.keys(pub)).toEqual(['client_id']);
      expect(pub.client_id).not.toBe(confidential.client_id);

      const clients = await json<ClientJson[]>('client', 'list');
      expect(clients).toHaveLength(2);
      expect(clients.find((c) => c.client_id === confidential.client_id)).toMatchObject({
        name: 'N',
        type: 'confidential',
        grant_types: ['client_credentials'],
        scopes: ['read:agents'],
        revoked_at: null,
      });
      expect(clients.find((c) => c.client_id === pub.client_id)).toMatchObject({
        name: 'Web app',
        type: 'public',
        redirect_uris: ['https://app.example/cb'],
        revoked_at: null,
      });
      for (const client of clients) expect(client).not.toHaveProperty('client_secret');

      const rotated = await json<{ client_id: string; client_secret: string }>(
        'client',
        'rotate-secret',
        confidential.client_id,
        '--grace',
        '60',
      );
      expect(rotated).toEqual({
        client_id: confidential.client_id,
        client_secret: expect.any(String),
        old_secret_valid_for_seconds: 60,
      });
      expect(rotated.client_secret).not.toBe(confidential.client_secret);

      const revoked = await json<ClientJson>('client', 'revoke', confidential.client_id);
      expect(revoked.revoked_at).toEqual(expect.any(String));
      const after = await json<ClientJson[]>('client', 'list');
      const listed = after.find((c) => c.client_id === confidential.client_id);
      expect(listed?.revoked_at).toEqual(expect.any(String));
      expect(Number.isNaN(Date.parse(listed?.revoked_at as string))).toBe(false);
      expect(after.find((c) => c.client_id === pub.client_id)?.revoked_at).toBeNull();
    });

    it('stores client secrets only hashed', async () => {
      await json('scope', 'create', 'read:agents');
      const created = await json<{ client_id: string; client_secret: string }>(
        'client',
        'create',
        '--name',
        'N',
        '--type',
        'confidential',
        '--scope',
        'read:agents',
      );
      const rotated = await json<{ client_secret: string }>(
        'client',
        'rotate-secret',
        created.client_id,
        '--grace',
        '60',
      );

      const rows = await fresh.handle.db.selectFrom('client_secrets').selectAll().execute();
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row.client_id).toBe(created.client_id);
        for (const value of Object.values(row)) {
          expect(String(value)).not.toContain(created.client_secret);
          expect(String(value)).not.toContain(rotated.client_secret);
        }
      }
      // Nor anywhere else: audit events, client rows, …
      const everything = JSON.stringify(await databaseSnapshot(fresh.handle.db));
      expect(everything).not.toContain(created.client_secret);
      expect(everything).not.toContain(rotated.client_secret);
    });

    it('keys list and keys rotate', async () => {
      const before = await json<KeyJson[]>('keys', 'list');
      const active = before.filter((k) => k.status === 'active');
      expect(active).toContainEqual(expect.objectContaining({ use: 'access', alg: 'ES256' }));
      expect(active).toContainEqual(expect.objectContaining({ use: 'id', alg: 'RS256' }));
      expect(before.every((k) => k.status === 'active' && k.published_until === null)).toBe(true);

      const { rotated } = await json<{ rotated: KeyJson[] }>('keys', 'rotate');
      expect(rotated).toHaveLength(active.length);
      const oldKids = new Set(active.map((k) => k.kid));
      for (const key of rotated) {
        expect(key.status).toBe('active');
        expect(oldKids.has(key.kid)).toBe(false);
      }

      const after = await json<KeyJson[]>('keys', 'list');
      expect(after).toHaveLength(before.length * 2);
      const nowActive = after.filter((k) => k.status === 'active');
      expect(new Set(nowActive.map((k) => k.kid))).toEqual(new Set(rotated.map((k) => k.kid)));
      expect(nowActive).toContainEqual(expect.objectContaining({ use: 'access', alg: 'ES256' }));
      expect(nowActive).toContainEqual(expect.objectContaining({ use: 'id', alg: 'RS256' }));
      for (const old of active) {
        const now = after.find((k) => k.kid === old.kid);
        expect(now?.status).toBe('retired');
        expect(now?.published_until).toEqual(expect.any(String));
        expect(Date.parse(now?.published_until as string)).toBeGreaterThan(Date.now());
      }
    });

    it('prints client list as a table with a header line', async () => {
      await json('scope', 'create', 'read:agents');
      const { client_id } = await json<{ client_id: string }>(
        'client',
        'create',
        '--name',
        'Reporting job',
        '--type',
        'confidential',
        '--scope',
        'read:agents',
      );
      const result = await cli('client', 'list');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^\(database: .*; issuer: http:\/\/localhost:8080\)\n$/);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]?.split(/\s{2,}/)).toEqual([
        'CLIENT ID',
        'NAME',
        'TYPE',
        'GRANTS',
        'SCOPES',
        'INTROSPECTS',
        'STATUS',
      ]);
      expect(lines[1]?.split(/\s{2,}/)).toEqual([
        client_id,
        'Reporting job',
        'confidential',
        'client_credentials',
        'read:agents',
        'own tokens',
        'active',
      ]);
      // Columns line up: each cell of the row starts where its header does.
      expect(lines[1]?.indexOf('Reporting job')).toBe(lines[0]?.indexOf('NAME'));
      expect(lines[1]?.indexOf('active')).toBe(lines[0]?.indexOf('STATUS'));
    });

    it('rejects an unknown command with exit 2', async () => {
      const result = await cli('frobnicate');
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain("unknown command 'frobnicate'");
    });

    it('rejects an unknown sub-command with exit 2', async () => {
      const result = await cli('client', 'explode');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("unknown client command 'explode'");
    });

    it('rejects an unknown option with exit 2', async () => {
      const result = await cli('client', 'list', '--colour');
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('--colour');
    });

    it('rejects client create without --name with exit 2', async () => {
      const result = await cli('client', 'create', '--type', 'confidential');
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('--name');
      expect(await fresh.handle.db.selectFrom('clients').selectAll().execute()).toEqual([]);
    });

    it('reports an unknown scope in client create as one line with exit 1', async () => {
      const result = await cli(
        'client',
        'create',
        '--name',
        'N',
        '--type',
        'confidential',
        '--scope',
        'nope',
      );
      expectOneLineError(result, 1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain("unknown scope 'nope'");
      expect(await fresh.handle.db.selectFrom('clients').selectAll().execute()).toEqual([]);
    });

    it('reports rotate-secret on an unknown client as one line with exit 1', async () => {
      const result = await cli('client', 'rotate-secret', 'no-such-client', '--grace', '60');
      expectOneLineError(result, 1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('no-such-client');
    });

    it('reports revoke on an unknown client as one line with exit 1', async () => {
      const result = await cli('client', 'revoke', 'no-such-client');
      expectOneLineError(result, 1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    });
  });

  describe('migrate', () => {
    beforeEach(() => setUp({ migrate: false }));

    it('applies migrations, then reports the database up to date', async () => {
      const first = await json<{ applied: string[] }>('migrate');
      expect(first.applied.length).toBeGreaterThan(0);
      const second = await json<{ applied: string[] }>('migrate');
      expect(second).toEqual({ applied: [] });

      const human = await cli('migrate');
      expect(human).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
      // Human output names the database it used (issue 13); a PostgreSQL URL without a password.
      const named = dialect === 'sqlite' ? `SQLite ${fresh.url}` : 'PostgreSQL postgres://';
      expect(human.stderr.startsWith(`(database: ${named}`)).toBe(true);
      expect(human.stderr.trimEnd().split('\n')).toHaveLength(1);
      // The schema is usable by the other commands.
      expect(await json<unknown[]>('client', 'list')).toEqual([]);
    });
  });
});
