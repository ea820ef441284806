import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import type { CliContext } from '../../src/cli/context.js';
import { verifyPassword } from '../../src/platform/password-hash.js';
import { createStores } from '../../src/storage/repositories/index.js';
import { issuerRecordRepository } from '../../src/storage/repositories/instance-settings-repository.js';
import { capture } from '../helpers/capture.js';
import { describeEachDialect, type FreshDatabase, freshDatabase } from '../helpers/databases.js';
import { testSecret } from '../helpers/test-server.js';

// Issue 13: client update and the introspection permission, --help everywhere, ids and `--`,
// user set-password, service-account revoke-token, and the recorded issuer.

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface ClientJson {
  client_id: string;
  scopes: string[];
  grant_types: string[];
  introspection: boolean;
  name: string;
  rate_limit_tier?: string | null;
  rate_limit?: number | null;
}

describeEachDialect('tessera CLI: first-hour fixes', (dialect) => {
  let fresh: FreshDatabase;
  let cwd: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    fresh = await freshDatabase(dialect);
    cwd = mkdtempSync(join(tmpdir(), 'tessera-cli-cwd-'));
    env = { TESSERA_DATABASE_URL: fresh.url, TESSERA_DATA_DIR: fresh.dataDir, TESSERA_SECRET: testSecret };
  });

  afterEach(async () => {
    await fresh?.dispose();
    if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true });
  });

  async function cli(argv: string[], stdin: string[] = [], extraEnv: Record<string, string> = {}) {
    const out = capture();
    const err = capture();
    const ctx: CliContext = {
      argv,
      env: { ...env, ...extraEnv },
      cwd,
      stdout: out.stream,
      stderr: err.stream,
      stdin: Readable.from(stdin),
    };
    const code = await runCli(ctx);
    return { code, stdout: out.text(), stderr: err.text() } satisfies CliResult;
  }

  async function json<T>(argv: string[], stdin: string[] = []): Promise<T> {
    const result = await cli([...argv, '--json'], stdin);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(result.stdout) as T;
  }

  it('client create --introspection, client update (scopes, name, --no-introspection), show and list', async () => {
    // A public client created without --scope gets the OpenID Connect scopes (issue 13 item 4).
    const spa = await json<{ client_id: string }>([
      'client',
      'create',
      '--name',
      'spa',
      '--type',
      'public',
      '--redirect-uri',
      'http://localhost:3000/cb',
    ]);
    expect(spa.client_id.startsWith('-')).toBe(false);
    const shown = await json<ClientJson>(['client', 'show', spa.client_id]);
    expect(shown.scopes).toEqual(['openid', 'profile', 'email', 'offline_access']);
    expect(shown.introspection).toBe(false);

    await json(['scope', 'create', 'read:agents']);
    const updated = await json<ClientJson>([
      'client',
      'update',
      spa.client_id,
      '--scope',
      'openid read:agents',
      '--name',
      'SPA',
    ]);
    expect(updated).toMatchObject({ name: 'SPA', scopes: ['openid', 'read:agents'], introspection: false });
    expect(updated.grant_types).toEqual(shown.grant_types);

    const api = await json<{ client_id: string }>([
      'client',
      'create',
      '--name',
      'api',
      '--type',
      'confidential',
      '--introspection',
    ]);
    expect((await json<ClientJson>(['client', 'show', api.client_id])).introspection).toBe(true);
    const list = await cli(['client', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${api.client_id}\\s+api\\s+confidential.*any token\\s+active`));
    expect(list.stdout).toMatch(new RegExp(`${spa.client_id}\\s+SPA\\s+public.*own tokens\\s+active`));
    expect((await cli(['client', 'show', api.client_id])).stdout).toContain('introspection: any token');

    const off = await json<ClientJson>(['client', 'update', api.client_id, '--no-introspection']);
    expect(off.introspection).toBe(false);
    const stored = await createStores(fresh.handle.db).clients.findById(api.client_id);
    expect(stored?.introspection).toBe(false);

    const both = await cli(['client', 'update', api.client_id, '--introspection', '--no-introspection']);
    expect(both.code).toBe(2);
    expect((await cli(['client', 'update', api.client_id])).code).toBe(2);
    const unknown = await cli(['client', 'update', api.client_id, '--scope', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown scope 'nope'");
  });

  it("client create/update --rate-limit-tier and --rate-limit set a client's budget; default clears it (issue 14)", async () => {
    const created = await json<{ client_id: string }>([
      'client',
      'create',
      '--name',
      'worker',
      '--type',
      'confidential',
      '--rate-limit-tier',
      'professional',
    ]);
    const shown = await json<ClientJson>(['client', 'show', created.client_id]);
    expect(shown).toMatchObject({ rate_limit_tier: 'professional', rate_limit: null });
    expect((await cli(['client', 'show', created.client_id])).stdout).toMatch(
      /rate limit: +tier professional/,
    );

    const own = await json<ClientJson>(['client', 'update', created.client_id, '--rate-limit', '600']);
    expect(own).toMatchObject({ rate_limit_tier: 'professional', rate_limit: 600 });
    const cleared = await json<ClientJson>([
      'client',
      'update',
      created.client_id,
      '--rate-limit',
      'default',
      '--rate-limit-tier',
      'default',
    ]);
    expect(cleared).toMatchObject({ rate_limit_tier: null, rate_limit: null });

    const unknownTier = await cli(['client', 'update', created.client_id, '--rate-limit-tier', 'platinum']);
    expect(unknownTier.code).toBe(1);
    expect(unknownTier.stderr).toContain(
      'the rate-limit tier must be one of starter, professional, unlimited',
    );
    // A tier configured by TESSERA_RATE_LIMIT_TIERS is accepted.
    env.TESSERA_RATE_LIMIT_TIERS = 'platinum=20000';
    expect(
      (await json<ClientJson>(['client', 'update', created.client_id, '--rate-limit-tier', 'platinum']))
        .rate_limit_tier,
    ).toBe('platinum');
    expect((await cli(['client', 'update', created.client_id, '--rate-limit', '0'])).code).toBe(1);
  });

  it('every command group answers --help with exit 0, and `help GROUP` too', async () => {
    for (const group of ['user', 'service-account', 'client', 'scope', 'keys', 'audit', 'serve', 'migrate']) {
      const result = await cli([group, '--help']);
      expect(result, group).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout, group).toContain(`tessera ${group}`);
    }
    expect(await cli(['client', 'update', '-h'])).toMatchObject({ code: 0 });
    expect((await cli(['help', 'client'])).stdout).toContain('tessera client update ID');
    // No hint suggests `npx tessera`, which outside the project runs an unrelated package.
    expect((await cli(['--help'])).stdout).toContain('npm run tessera -- <command>');
    expect((await cli(['--help'])).stdout).not.toContain('npx');
    expect((await cli(['client', 'explode'])).stderr).toContain("Run 'npm run tessera -- help'");
  });

  it('takes an argument that begins with "-" after "--"', async () => {
    const before = await cli(['client', 'revoke', '-Pabc']);
    expect(before.code).toBe(2);
    const after = await cli(['client', 'revoke', '--', '-Pabc']);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain("no client with id '-Pabc'");
    // `--help` after `--` is a value, not a request for help.
    expect((await cli(['client', 'revoke', '--', '--help'])).code).toBe(1);
  });

  it('user set-password --password-stdin replaces the password, ends the sessions and is audited', async () => {
    await json(['user', 'create', '--username', 'alice', '--email', 'alice@example.com']);
    const stores = createStores(fresh.handle.db);
    const userId = (await stores.users.findByUsername('alice'))?.id as string;
    expect((await cli(['user', 'set-password', 'alice'])).code).toBe(2);
    const short = await cli(['user', 'set-password', 'alice', '--password-stdin'], ['short\n']);
    expect(short.code).toBe(1);

    const done = await cli(['user', 'set-password', 'alice', '--password-stdin'], ['a new long password\n']);
    expect(done.code).toBe(0);
    expect(done.stdout).toBe('password of alice set; their sessions ended\n');
    const hash = (await stores.users.findByUsername('alice'))?.passwordHash as string;
    expect(await verifyPassword(hash, 'a new long password')).toBe(true);
    const events = (await stores.audit.tail(5)).map((e) => [e.type, e.actor, e.subject]);
    expect(events).toContainEqual(['user.password_set', 'cli', `user:${userId}`]);
  });

  it('service-account revoke-token refuses that one token and keeps the others', async () => {
    await json(['service-account', 'create', '--name', 'robot']);
    const first = await json<{ access_token: string; jti: string }>(['service-account', 'token', 'robot']);
    const second = await json<{ access_token: string; jti: string }>(['service-account', 'token', 'robot']);
    expect(first.jti).toBe(decodeJwt(first.access_token).jti);

    const revoked = await cli(['service-account', 'revoke-token', first.jti]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(`token ${first.jti} revoked: it is refused from now on\n`);

    const stores = createStores(fresh.handle.db);
    expect(await stores.revokedTokens.contains(first.jti)).toBe(true);
    expect(await stores.revokedTokens.contains(second.jti)).toBe(false);
    const sid = decodeJwt(first.access_token).sid as string;
    expect((await stores.sessions.findById(sid))?.endReason).toBe('token_revoked');
    const audited = (await stores.audit.tail(5)).find((e) => e.type === 'service_account.token_revoked');
    expect(audited?.details).toMatchObject({ jti: first.jti, session_id: sid });

    const unknown = await cli(['service-account', 'revoke-token', 'no-such-jti']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no service-account token has the jti 'no-such-jti'");
  });

  it('mints with the issuer the server recorded, and refuses another TESSERA_ISSUER', async () => {
    await json(['service-account', 'create', '--name', 'robot']);
    const unrecorded = await json<{ access_token: string }>(['service-account', 'token', 'robot']);
    expect(decodeJwt(unrecorded.access_token).iss).toBe('http://localhost:8080');

    await issuerRecordRepository(fresh.handle.db).record('http://localhost:9400', new Date());
    const human = await cli(['service-account', 'token', 'robot']);
    expect(human.code).toBe(0);
    const token = JSON.parse(human.stdout) as { access_token: string };
    expect(decodeJwt(token.access_token)).toMatchObject({
      iss: 'http://localhost:9400',
      aud: 'http://localhost:9400',
    });
    expect(human.stderr).toContain('; issuer: http://localhost:9400)');

    const other = await cli(['service-account', 'token', 'robot'], [], {
      TESSERA_ISSUER: 'http://localhost:8080',
    });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('tessera: TESSERA_ISSUER: is http://localhost:8080, but the server');
    const same = await cli(['service-account', 'token', 'robot', '--json'], [], {
      TESSERA_ISSUER: 'http://localhost:9400',
    });
    expect(same.code).toBe(0);
  });
});
