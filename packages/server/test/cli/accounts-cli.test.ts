import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import type { CliContext } from '../../src/cli/context.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { verifyPassword } from '../../src/platform/password-hash.js';
import { createServices, prepareStorage } from '../../src/services.js';
import { createStores } from '../../src/storage/repositories/index.js';
import { capture } from '../helpers/capture.js';
import { describeEachDialect, type FreshDatabase, freshDatabase } from '../helpers/databases.js';
import { testSecret } from '../helpers/test-server.js';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface CliOptions {
  readonly stdin?: string[];
  readonly signal?: AbortSignal;
  /** Receives stdout as it is written (for --follow). */
  readonly onStdout?: (text: string) => void;
}

interface UserJson {
  id: string;
  username: string;
  email: string | null;
  first_name: string;
  last_name: string;
  is_admin: boolean;
  disabled: boolean;
  groups: string[];
  permissions: string[];
  attributes: Record<string, unknown>;
  created_at: string;
  password?: string;
}

interface ServiceAccountJson {
  id: string;
  name: string;
  scopes: string[];
  permissions: string[];
  disabled: boolean;
}

interface AuditJson {
  seq: number;
  id: string;
  occurred_at: string;
  type: string;
  outcome: string;
  actor: string | null;
  subject: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describeEachDialect('tessera user / service-account / audit', (dialect) => {
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

  async function cli(argv: string[], options: CliOptions = {}): Promise<CliResult> {
    const out = capture(options.onStdout);
    const err = capture();
    const ctx: CliContext = {
      argv,
      env,
      cwd,
      stdout: out.stream,
      stderr: err.stream,
      stdin: Readable.from(options.stdin ?? []),
      signal: options.signal,
    };
    const code = await runCli(ctx);
    return { code, stdout: out.text(), stderr: err.text() };
  }

  /** Runs a command with --json that must succeed; returns its parsed output. */
  async function json<T = unknown>(argv: string[], options: CliOptions = {}): Promise<T> {
    const result = await cli([...argv, '--json'], options);
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
    if (code === 1) expect(result.stderr.trimEnd()).not.toContain('\n');
    expect(result.stderr).not.toMatch(/\bat .*\.[jt]s:\d+:\d+/);
  }

  async function storedUser(username: string) {
    const user = await createStores(fresh.handle.db).users.findByUsername(username);
    expect(user).toBeDefined();
    return user!;
  }

  async function auditLines(): Promise<{ raw: string; events: AuditJson[] }> {
    const result = await cli(['audit', 'tail', '--limit', '1000', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n').filter((l) => l !== '');
    return { raw: result.stdout, events: lines.map((l) => JSON.parse(l) as AuditJson) };
  }

  it('user create with a generated password prints it once, and it is the stored one', async () => {
    const created = await json<UserJson>([
      'user',
      'create',
      '--username',
      'alice',
      '--email',
      'alice@example.com',
      '--name',
      'Alice  van Dijk',
      '--admin',
      '--group',
      'staff',
      '--group',
      'ops',
      '--permission',
      'can_run_pipelines',
    ]);
    expect(created).toEqual({
      id: expect.any(String),
      username: 'alice',
      email: 'alice@example.com',
      first_name: 'Alice',
      last_name: 'van Dijk',
      is_admin: true,
      disabled: false,
      groups: ['staff', 'ops'],
      permissions: ['can_run_pipelines'],
      attributes: {},
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      password: expect.any(String),
    });
    const password = created.password as string;
    expect(password.length).toBeGreaterThanOrEqual(16);

    const stored = await storedUser('alice');
    expect(stored.passwordHash?.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(stored.passwordHash as string, password)).toBe(true);
    expect(await verifyPassword(stored.passwordHash as string, `${password}x`)).toBe(false);

    // Listing never shows a password again.
    const users = await json<UserJson[]>(['user', 'list']);
    expect(users.map((u) => u.username)).toEqual(['alice']);
    expect(users[0]).not.toHaveProperty('password');
    expect(JSON.stringify(users)).not.toContain(password);

    const { raw, events } = await auditLines();
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'user.created',
        outcome: 'success',
        actor: 'cli',
        subject: `user:${created.id}`,
        details: { username: 'alice' },
      }),
    );
    expect(raw).not.toContain(password);
  });

  it('user create in human form says where the password is and that it is shown once', async () => {
    const result = await cli(['user', 'create', '--username', 'bob', '--email', 'bob@example.com']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^user bob created \(id \S+\)\npassword: \S{16,}\n$/);
    expect(result.stderr).toContain('shown once');
  });

  it('user create --password-stdin uses stdin less one trailing newline', async () => {
    const created = await json<UserJson>(
      ['user', 'create', '--username', 'carol', '--email', 'carol@example.com', '--password-stdin'],
      { stdin: ['correct horse ', 'battery staple\n'] },
    );
    expect(created).not.toHaveProperty('password');
    const stored = await storedUser('carol');
    expect(await verifyPassword(stored.passwordHash as string, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(stored.passwordHash as string, 'correct horse battery staple\n')).toBe(false);
  });

  it('user create refuses a short password, a taken name and a permission that shadows a field', async () => {
    const short = await cli(
      ['user', 'create', '--username', 'dave', '--email', 'd@example.com', '--password-stdin'],
      {
        stdin: ['short\n'],
      },
    );
    expectOneLineError(short, 1);
    expect(short.stderr).toContain('at least 8 characters');

    await json(['user', 'create', '--username', 'Alice', '--email', 'a@example.com']);
    const taken = await cli(['user', 'create', '--username', 'alice', '--email', 'a2@example.com']);
    expectOneLineError(taken, 1);
    expect(taken.stderr).toContain('taken');

    const collision = await cli([
      'user',
      'create',
      '--username',
      'erin',
      '--email',
      'e@example.com',
      '--permission',
      'email',
    ]);
    expectOneLineError(collision, 1);
    expect(collision.stderr).toContain('collide');

    const users = await json<UserJson[]>(['user', 'list']);
    expect(users.map((u) => u.username)).toEqual(['Alice']);

    expectOneLineError(await cli(['user', 'create', '--email', 'x@example.com']), 2);
    expectOneLineError(await cli(['user', 'frobnicate']), 2);
  });

  it('user list, disable, enable and delete', async () => {
    await json(['user', 'create', '--username', 'alice', '--email', 'alice@example.com']);
    await json(['user', 'create', '--username', 'bob', '--email', 'bob@example.com']);
    await json(['service-account', 'create', '--name', 'robot']);

    const people = await json<UserJson[]>(['user', 'list']);
    expect(people.map((u) => [u.username, u.disabled])).toEqual([
      ['alice', false],
      ['bob', false],
    ]);

    const disabled = await json<UserJson>(['user', 'disable', 'alice']);
    expect(disabled.disabled).toBe(true);
    expect((await storedUser('alice')).disabled).toBe(true);
    const human = await cli(['user', 'list']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^USERNAME\s+EMAIL/);
    expect(human.stdout).toMatch(/alice\s+alice@example\.com.*disabled/);

    expect((await json<UserJson>(['user', 'enable', 'alice'])).disabled).toBe(false);
    expect((await storedUser('alice')).disabled).toBe(false);

    const deleted = await cli(['user', 'delete', 'bob']);
    expect(deleted).toMatchObject({ code: 0, stdout: 'user bob deleted\n' });
    // Human output names the database and issuer used (issue 13).
    expect(deleted.stderr).toMatch(
      /^\(database: (SQLite|PostgreSQL) \S+; issuer: http:\/\/localhost:8080\)\n$/,
    );
    expect((await json<UserJson[]>(['user', 'list'])).map((u) => u.username)).toEqual(['alice']);
    expectOneLineError(await cli(['user', 'delete', 'bob']), 1);

    // Service accounts have their own commands.
    expectOneLineError(await cli(['user', 'disable', 'robot']), 1);
    expect((await storedUser('robot')).disabled).toBe(false);

    const { events } = await auditLines();
    const types = events.filter((e) => e.actor === 'cli').map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['user.disabled', 'user.enabled', 'user.deleted', 'service_account.created']),
    );
  });

  it('user update sets attributes (JSON when it parses) and replaces groups and permissions', async () => {
    await json([
      'user',
      'create',
      '--username',
      'alice',
      '--email',
      'alice@example.com',
      '--group',
      'staff',
      '--permission',
      'can_deploy',
    ]);
    const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const updated = await json<UserJson>([
      'user',
      'update',
      'alice',
      '--attribute',
      `did=${did}`,
      '--attribute',
      'n=42',
      '--name',
      'Alice Smith',
      '--group',
      'ops',
      '--group',
      'admins',
    ]);
    expect(updated).toMatchObject({
      first_name: 'Alice',
      last_name: 'Smith',
      email: 'alice@example.com',
      groups: ['ops', 'admins'],
      permissions: ['can_deploy'],
      attributes: { did, n: 42 },
    });
    const stored = await storedUser('alice');
    expect(stored.attributes).toEqual({ did, n: 42 });
    expect(typeof stored.attributes.n).toBe('number');
    expect([...stored.groups].sort()).toEqual(['admins', 'ops']);

    const again = await json<UserJson>([
      'user',
      'update',
      'alice',
      '--permission',
      'can_read',
      '--email',
      'a@x.io',
    ]);
    expect(again).toMatchObject({ email: 'a@x.io', permissions: ['can_read'], attributes: { did, n: 42 } });
    expect([...again.groups].sort()).toEqual(['admins', 'ops']);

    // `null` removes an attribute.
    const removed = await json<UserJson>(['user', 'update', 'alice', '--attribute', 'n=null']);
    expect(removed.attributes).toEqual({ did });

    expectOneLineError(await cli(['user', 'update', 'alice', '--attribute', 'novalue']), 2);
    expectOneLineError(await cli(['user', 'update', 'alice']), 2);
    expectOneLineError(await cli(['user', 'update', 'alice', '--permission', 'is_admin']), 1);
    expectOneLineError(await cli(['user', 'update', 'nobody', '--name', 'X']), 1);
  });

  it('service-account create, token, list, disable and enable', async () => {
    await json(['scope', 'create', 'read:agents']);
    const account = await json<ServiceAccountJson>([
      'service-account',
      'create',
      '--name',
      'robot',
      '--scope',
      'read:agents',
      '--permission',
      'can_run_pipelines',
    ]);
    expect(account).toMatchObject({
      id: expect.any(String),
      name: 'robot',
      scopes: ['read:agents'],
      permissions: ['can_run_pipelines'],
      disabled: false,
    });
    expectOneLineError(await cli(['service-account', 'create', '--name', 'other', '--scope', 'nope']), 1);

    const before = Date.now();
    const issued = await json<{
      access_token: string;
      token_type: string;
      expires_in: number;
      expires_at: string;
      jti: string;
    }>(['service-account', 'token', 'robot', '--days', '7']);
    expect(issued).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      expires_at: expect.any(String),
      jti: decodeJwt(issued.access_token).jti,
    });
    expect(issued.expires_in).toBe(7 * 86_400);
    const expiresAt = Date.parse(issued.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 7 * 86_400_000 - 2000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000 + 1000);
    const payload = decodeJwt(issued.access_token);
    expect(payload).toMatchObject({
      type: 'service',
      sub: account.id,
      user_id: account.id,
      scope: 'read:agents',
    });

    const defaulted = await json<{ expires_in: number }>(['service-account', 'token', 'robot']);
    expect(defaulted.expires_in).toBeGreaterThanOrEqual(30 * 86_400 - 1);
    expectOneLineError(await cli(['service-account', 'token', 'robot', '--days', '366']), 1);
    expectOneLineError(await cli(['service-account', 'token', 'robot', '--days', 'many']), 2);

    const accounts = await json<ServiceAccountJson[]>(['service-account', 'list']);
    expect(accounts.map((a) => a.name)).toEqual(['robot']);
    expect((await json<UserJson[]>(['user', 'list'])).map((u) => u.username)).toEqual([]);

    // The token works until the account is disabled.
    const services = createServices({
      config: loadConfig(env, cwd),
      logger: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })),
    });
    try {
      await prepareStorage(services);
      await expect(services.accessTokenCheck.check(issued.access_token)).resolves.toBeDefined();
      expect((await json<ServiceAccountJson>(['service-account', 'disable', 'robot'])).disabled).toBe(true);
      await expect(services.accessTokenCheck.check(issued.access_token)).rejects.toThrow();
    } finally {
      await services.close();
    }
    expectOneLineError(await cli(['service-account', 'token', 'robot']), 1);
    expect((await json<ServiceAccountJson>(['service-account', 'enable', 'robot'])).disabled).toBe(false);
    await json(['service-account', 'token', 'robot']);

    // People are not service accounts.
    await json(['user', 'create', '--username', 'alice', '--email', 'alice@example.com']);
    expectOneLineError(await cli(['service-account', 'disable', 'alice']), 1);
    expectOneLineError(await cli(['service-account', 'token', 'alice']), 1);

    const { raw, events } = await auditLines();
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'service_account.created',
        actor: 'cli',
        subject: `service:${account.id}`,
        details: { name: 'robot' },
      }),
    );
    expect(events.filter((e) => e.type === 'service_account.token_issued' && e.actor === 'cli')).toHaveLength(
      3,
    );
    expect(raw).not.toContain(issued.access_token);
    expect(raw).not.toContain(issued.access_token.split('.')[2]);
  });

  it('audit tail prints the newest events oldest first, in JSON or one readable line each', async () => {
    for (const name of ['u1', 'u2', 'u3']) {
      await json(['user', 'create', '--username', name, '--email', `${name}@example.com`]);
    }
    const { events } = await auditLines();
    const created = events.filter((e) => e.type === 'user.created');
    expect(created.map((e) => e.details.username)).toEqual(['u1', 'u2', 'u3']);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(Object.keys(created[0] as AuditJson).sort()).toEqual(
      [
        'seq',
        'id',
        'occurred_at',
        'type',
        'outcome',
        'actor',
        'subject',
        'client_id',
        'ip',
        'user_agent',
        'details',
      ].sort(),
    );

    const two = await cli(['audit', 'tail', '--limit', '2']);
    expect(two.code).toBe(0);
    const lines = two.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z {2}user\.created {2}success {2}cli → user:\S+ {2}- -$/);
    expect(lines[1]).toContain('user.created');

    expectOneLineError(await cli(['audit', 'tail', '--limit', 'x']), 2);
    expectOneLineError(await cli(['audit', 'head']), 2);
  });

  it('audit tail --follow prints new events until its signal is aborted', async () => {
    const first = await json<UserJson>(['user', 'create', '--username', 'u1', '--email', 'u1@example.com']);
    const listenersBefore = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
    const controller = new AbortController();
    let seen = '';
    const following = cli(['audit', 'tail', '--limit', '1', '--follow', '--json'], {
      signal: controller.signal,
      onStdout: (text) => {
        seen = text;
      },
    });
    await waitFor(() => seen.includes(first.id), 'the initial tail');

    const second = await json<UserJson>(['user', 'create', '--username', 'u2', '--email', 'u2@example.com']);
    const robot = await json<ServiceAccountJson>(['service-account', 'create', '--name', 'robot']);
    await waitFor(() => seen.includes(robot.id), 'the followed events');
    controller.abort();

    const result = await following;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditJson);
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ['user.created', `user:${first.id}`],
      ['user.created', `user:${second.id}`],
      ['service_account.created', `service:${robot.id}`],
    ]);
    // The follow loop leaves no signal handlers behind.
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(listenersBefore);
  }, 20_000);
});
