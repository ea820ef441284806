import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createStores } from '../../src/storage/repositories/index.js';
import { capture } from '../helpers/capture.js';
import { describeEachDialect, type FreshDatabase, freshDatabase } from '../helpers/databases.js';
import {
  createPerson,
  startTestServer,
  type TestServer,
  testIssuer,
  testSecret,
} from '../helpers/test-server.js';
import { UpstreamProvider } from '../helpers/upstream-provider.js';
import { envelope, flowApp, oidcLogin, upstreamAccount } from './federation-fixtures.js';

/*
 * Managing upstream providers (issue 18 §1): the admin API and the CLI's `idp create|list|delete`,
 * which show the redirect_uri to register upstream and never the client secret (stored encrypted).
 */
describeEachDialect('identity providers: admin API', (dialect) => {
  let upstream: UpstreamProvider;
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    upstream = await UpstreamProvider.start([flowApp]);
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    server = await startTestServer(dialect, { clock: new ManualClock(Date.now()) });
    const { password } = await createPerson(server.services, { username: 'root', isAdmin: true });
    adminToken = (
      await server.app.inject({ method: 'POST', url: '/login', payload: { username: 'root', password } })
    ).json().access_token;
  });
  afterEach(() => server.close());

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    server.app.inject({
      method,
      url: `/admin/api${url}`,
      headers: { authorization: `Bearer ${adminToken}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  it('creates, lists, reads, changes and deletes a provider; the secret is stored encrypted and never answered', async () => {
    const created = await api('POST', '/identity-providers', {
      issuer: upstream.issuer,
      client_id: 'flow-app',
      client_secret: 'upstream-secret-value-123',
      name: 'Acme SSO',
      groups_claim: 'groups',
      group_map: { 'acme-eng': 'engineering' },
      allowed_domains: ['Acme.Example'],
      provisioning: false,
      link_by_email: true,
    });
    expect(created.statusCode).toBe(201);
    const provider = created.json();
    expect(provider).toEqual({
      id: expect.stringMatching(/^idp_/),
      name: 'Acme SSO',
      issuer: upstream.issuer,
      client_id: 'flow-app',
      has_client_secret: true,
      redirect_uri: `${testIssuer}/signin/oidc/callback/${provider.id}`,
      scopes: ['openid', 'email', 'profile'],
      username_claim: 'email',
      groups_claim: 'groups',
      group_map: { 'acme-eng': 'engineering' },
      allowed_domains: ['acme.example'],
      provisioning: false,
      link_by_email: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(created.body).not.toContain('upstream-secret-value-123');
    const row = await server.database.handle.db
      .selectFrom('identity_providers')
      .select('client_secret')
      .executeTakeFirstOrThrow();
    expect(row.client_secret).toMatch(/^v1\./);
    expect(row.client_secret).not.toContain('upstream-secret-value-123');
    const stored = await server.services.federation.providers.get(provider.id);
    expect(server.services.federation.providers.clientSecret(stored)).toBe('upstream-secret-value-123');

    expect((await api('GET', '/identity-providers')).json()).toEqual({ identity_providers: [provider] });
    expect((await api('GET', `/identity-providers/${provider.id}`)).json()).toEqual(provider);

    const changed = await api('PATCH', `/identity-providers/${provider.id}`, {
      provisioning: true,
      client_secret: null,
    });
    expect(changed.json()).toMatchObject({
      provisioning: true,
      has_client_secret: false,
      link_by_email: true,
    });

    // Sign-ins use it at once (the directory is told of the change).
    const sub = upstreamAccount(upstream, { email: 'kim@acme.example', email_verified: true });
    expect((await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) })).statusCode).toBe(
      200,
    );

    expect((await api('DELETE', `/identity-providers/${provider.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/identity-providers/${provider.id}`)).json()).toEqual(
      envelope(`no identity provider has the id '${provider.id}'`, 'NOT_FOUND'),
    );
    const events = await createStores(server.database.handle.db).audit.tail(30);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'identity_provider.created',
        'identity_provider.updated',
        'identity_provider.deleted',
      ]),
    );
  });

  it('refuses an issuer that is not https (but loopback), one whose discovery disagrees, and a duplicate', async () => {
    const http = await api('POST', '/identity-providers', {
      issuer: 'http://idp.example.com',
      client_id: 'x',
    });
    expect(http.statusCode).toBe(400);
    expect(http.json().errors[0].message).toMatch(/the issuer must be an https URL/);

    // Discovery answers for the issuer without the trailing slash: not the same issuer.
    const slash = await api('POST', '/identity-providers', { issuer: `${upstream.issuer}/`, client_id: 'x' });
    expect(slash.statusCode).toBe(400);
    expect(slash.json().errors[0].message).toMatch(/discovery document names another issuer/);

    const unreachable = await api('POST', '/identity-providers', {
      issuer: 'http://127.0.0.1:9',
      client_id: 'x',
    });
    expect(unreachable.statusCode).toBe(400);
    expect(unreachable.json().errors[0].message).toMatch(/could not be fetched/);

    expect(
      (await api('POST', '/identity-providers', { issuer: upstream.issuer, client_id: 'x' })).statusCode,
    ).toBe(201);
    const duplicate = await api('POST', '/identity-providers', { issuer: upstream.issuer, client_id: 'x' });
    expect(duplicate.statusCode).toBe(409);
  });
});

describeEachDialect('identity providers: tessera idp', (dialect) => {
  let upstream: UpstreamProvider;
  let fresh: FreshDatabase;
  let cwd: string;

  beforeAll(async () => {
    upstream = await UpstreamProvider.start();
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    fresh = await freshDatabase(dialect);
    cwd = mkdtempSync(join(tmpdir(), 'tessera-idp-cli-'));
  });
  afterEach(async () => {
    await fresh.dispose();
    rmSync(cwd, { recursive: true, force: true });
  });

  async function cli(argv: string[], stdin = '') {
    const out = capture();
    const err = capture();
    const code = await runCli({
      argv,
      env: {
        TESSERA_DATABASE_URL: fresh.url,
        TESSERA_DATA_DIR: fresh.dataDir,
        TESSERA_SECRET: testSecret,
        TESSERA_ISSUER: 'https://auth.example.com',
      },
      cwd,
      stdout: out.stream,
      stderr: err.stream,
      stdin: Readable.from([stdin]),
    });
    return { code, stdout: out.text(), stderr: err.text() };
  }

  it('idp create (secret on stdin) and idp list show the redirect_uri; idp delete removes it', async () => {
    const created = await cli(
      [
        'idp',
        'create',
        '--issuer',
        upstream.issuer,
        '--client-id',
        'tessera',
        '--client-secret-stdin',
        '--name',
        'Okta',
        '--groups-claim',
        'groups',
        '--group-map',
        'Everyone=staff',
        '--allowed-domain',
        'acme.example',
        '--allowed-domain',
        'acme.test',
        '--no-provisioning',
        '--link-by-email',
        '--json',
      ],
      'cli-secret-value\n',
    );
    expect(created.stderr.replace(/^tessera: using .*\n/gm, '')).not.toContain('error');
    expect(created.code).toBe(0);
    const provider = JSON.parse(created.stdout);
    expect(provider).toMatchObject({
      name: 'Okta',
      issuer: upstream.issuer,
      client_id: 'tessera',
      has_client_secret: true,
      redirect_uri: `https://auth.example.com/signin/oidc/callback/${provider.id}`,
      groups_claim: 'groups',
      group_map: { Everyone: 'staff' },
      allowed_domains: ['acme.example', 'acme.test'],
      provisioning: false,
      link_by_email: true,
    });
    expect(created.stdout).not.toContain('cli-secret-value');

    const human = await cli(['idp', 'list']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(provider.id);
    expect(human.stdout).toContain(provider.redirect_uri);
    const listed = JSON.parse((await cli(['idp', 'list', '--json'])).stdout);
    expect(listed).toEqual([provider]);

    const deleted = await cli(['idp', 'delete', provider.id]);
    expect(deleted.code).toBe(0);
    expect(JSON.parse((await cli(['idp', 'list', '--json'])).stdout)).toEqual([]);
    const missing = await cli(['idp', 'delete', provider.id]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no identity provider has the id '${provider.id}'`);
  });

  it('says what is missing or wrong', async () => {
    expect((await cli(['idp', 'create', '--client-id', 'x'])).stderr).toContain('--issuer is required');
    const http = await cli(['idp', 'create', '--issuer', 'http://idp.example.com', '--client-id', 'x']);
    expect(http.code).toBe(1);
    expect(http.stderr).toContain('the issuer must be an https URL');
    expect(
      (await cli(['idp', 'create', '--issuer', upstream.issuer, '--client-id', 'x', '--group-map', 'nope']))
        .stderr,
    ).toContain('--group-map takes UPSTREAM=LOCAL');
    expect((await cli(['idp', '--help'])).stdout).toContain('tessera idp create --issuer URL --client-id ID');
  });
});
