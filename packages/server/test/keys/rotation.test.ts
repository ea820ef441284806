import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { KeyDecryptionError } from '../../src/keys/key-encryption.js';
import { createLogger } from '../../src/platform/logger.js';
import { createServices } from '../../src/services.js';
import { openDatabase } from '../../src/storage/database.js';
import { describeEachDialect } from '../helpers/databases.js';
import {
  basic,
  createMachineClient,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
  testIssuer,
  testSecret,
} from '../helpers/test-server.js';

describeEachDialect('signing keys', (dialect) => {
  let server: TestServer;
  let client: { clientId: string; clientSecret: string };
  beforeEach(async () => {
    server = await startTestServer(dialect);
    client = await createMachineClient(server.services);
  });
  afterEach(() => server.close());

  async function token(): Promise<string> {
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(client.clientId, client.clientSecret) },
      payload: form({ grant_type: 'client_credentials' }),
    });
    return response.json().access_token;
  }
  async function jwks() {
    const response = await server.app.inject({ method: 'GET', url: '/oauth/jwks' });
    expect(response.statusCode).toBe(200);
    return response.json() as { keys: Array<Record<string, string>> };
  }
  const verify = async (value: string) =>
    jwtVerify(value, createLocalJWKSet(await jwks()), {
      issuer: testIssuer,
      currentDate: server.clock.now(),
    });

  it('first start publishes an ES256 access key and an RS256 ID-token key, public parts only', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/oauth/jwks' });
    expect(response.headers['cache-control']).toMatch(/max-age=\d+/);
    const { keys } = response.json() as { keys: Array<Record<string, string>> };
    expect(keys.some((k) => k.alg === 'ES256' && k.kty === 'EC')).toBe(true);
    expect(keys.some((k) => k.alg === 'RS256' && k.kty === 'RSA')).toBe(true);
    for (const key of keys) {
      expect(key.use).toBe('sig');
      for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
        expect(key).not.toHaveProperty(privateMember);
    }
    const rows = await server.database.handle.db.selectFrom('signing_keys').select(['private_key']).execute();
    for (const row of rows) {
      expect(row.private_key).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(row.private_key).not.toContain('PRIVATE KEY');
    }
  });

  it('a rotation publishes the new keys at once and signs with them only after the activation delay', async () => {
    // Issue 13: a verifier that fetched the JWKS just before the rotation must never meet an
    // unknown kid while its refetch cooldown runs.
    const before = await token();
    const oldKid = decodeProtectedHeader(before).kid;

    const created = await server.services.keys.rotate({ actor: 'test' });
    expect(created.map((k) => `${k.use}/${k.alg}`).sort()).toEqual([
      'access/ES256',
      'id/ES256',
      'id/EdDSA',
      'id/RS256',
    ]);
    const newKid = created.find((k) => k.use === 'access')?.kid;
    expect((await jwks()).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));

    const delay = server.services.keys.activationDelaySeconds;
    // A verifier's JWKS refetch cooldown, a shared cache's JWKS lifetime (max-age 300 + stale 60),
    // and one key reload of every server.
    expect(delay).toBe(30 + 360 + server.services.config.keyRefreshInterval);
    const rightAfter = await token();
    expect(decodeProtectedHeader(rightAfter).kid).toBe(oldKid);
    server.clock.advance(delay - 1);
    expect(decodeProtectedHeader(await token()).kid).toBe(oldKid);
    server.clock.advance(1);
    const after = await token();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);

    const kids = (await jwks()).keys.map((k) => k.kid);
    expect(kids).toContain(oldKid);
    expect(kids).toContain(newKid);
    await expect(verify(before)).resolves.toBeTruthy();
    await expect(verify(rightAfter)).resolves.toBeTruthy();
    await expect(verify(after)).resolves.toBeTruthy();

    const introspection = await server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...formHeaders, authorization: basic(client.clientId, client.clientSecret) },
      payload: form({ token: before }),
    });
    expect(introspection.json().active).toBe(true);
  });

  it('two rotations within the delay hand over in order, each key published before it signs', async () => {
    const first = decodeProtectedHeader(await token()).kid;
    const delay = server.services.keys.activationDelaySeconds;
    const [second] = (await server.services.keys.rotate({ actor: 'test' })).filter((k) => k.use === 'access');
    server.clock.advance(10);
    const [third] = (await server.services.keys.rotate({ actor: 'test' })).filter((k) => k.use === 'access');
    expect((await jwks()).keys.map((k) => k.kid)).toEqual(
      expect.arrayContaining([first, second?.kid, third?.kid]),
    );
    expect(decodeProtectedHeader(await token()).kid).toBe(first);
    server.clock.advance(delay - 10);
    expect(decodeProtectedHeader(await token()).kid).toBe(second?.kid);
    server.clock.advance(10);
    expect(decodeProtectedHeader(await token()).kid).toBe(third?.kid);
  });

  it('keeps a retired key published until every token it signed has expired', async () => {
    await token();
    const [oldAccessKey] = (await server.services.keys.list()).filter((k) => k.use === 'access');
    await server.services.keys.rotate({ actor: 'test' });
    const retired = (await server.services.keys.list()).find((k) => k.kid === oldAccessKey?.kid);
    expect(retired?.status).toBe('retired');
    // The longest-lived token an access key signs: a session API token, accepted by GET /token
    // until the session's refresh lifetime ends (300 s + 7 days).
    // It signs until the handover (and, on a server that has not reloaded yet, up to one reload
    // interval after it), so the last of its tokens expires that much later.
    const delay = server.services.keys.activationDelaySeconds;
    const lifetime = delay + (delay - 390) + 300 + 604_800;
    expect(retired?.retainUntil?.getTime()).toBe(server.clock.now().getTime() + lifetime * 1000);

    server.clock.advance(lifetime - 1);
    await server.services.keys.reload();
    expect((await jwks()).keys.map((k) => k.kid)).toContain(oldAccessKey?.kid);
    server.clock.advance(2);
    await server.services.keys.reload();
    expect((await jwks()).keys.map((k) => k.kid)).not.toContain(oldAccessKey?.kid);
  });

  it('a client with a longer token lifetime keeps retired keys published for that long', async () => {
    await createMachineClient(server.services, { accessTokenTtl: 1_000_000, name: 'long-lived' });
    await server.services.keys.rotate({ actor: 'test' });
    const retired = (await server.services.keys.list()).find(
      (k) => k.use === 'access' && k.status === 'retired',
    );
    const delay = server.services.keys.activationDelaySeconds;
    expect(retired?.retainUntil?.getTime()).toBe(
      server.clock.now().getTime() + (delay + (delay - 390) + 1_000_000) * 1000,
    );
  });

  // Review of issue 13 item 20: `keys rotate` runs in the CLI, without the servers' settings; a
  // server reloading keys every 300 s must publish the new key before it signs anywhere.
  it('a rotation waits for the longest key-reload interval a server recorded', async () => {
    await server.services.reloadIntervalRecord.record(300, server.clock.now());
    await server.services.reloadIntervalRecord.record(120, server.clock.now());
    expect(await server.services.reloadIntervalRecord.recorded()).toBe(300);
    const [oldAccessKey] = (await server.services.keys.list()).filter((k) => k.use === 'access');
    await server.services.keys.rotate({ actor: 'test' });
    const retired = (await server.services.keys.list()).find((k) => k.kid === oldAccessKey?.kid);
    expect(retired?.retiredAt?.getTime()).toBe(server.clock.now().getTime() + (390 + 300) * 1000);
    server.clock.advance(390 + 299);
    expect(decodeProtectedHeader(await token()).kid).toBe(oldAccessKey?.kid);
    server.clock.advance(2);
    expect(decodeProtectedHeader(await token()).kid).not.toBe(oldAccessKey?.kid);
  });

  it('a rotation made by another process reaches the running server on reload', async () => {
    const second = createServices({
      config: server.services.config,
      logger: createLogger('silent'),
      clock: server.clock,
      database: openDatabase(server.services.config.database, postgresSchemaOf(server.database.url)),
    });
    try {
      await second.keys.ensureKeys();
      const [created] = (await second.keys.rotate({ actor: 'cli' })).filter((k) => k.use === 'access');
      expect(decodeProtectedHeader(await token()).kid).not.toBe(created?.kid);
      await server.services.keys.reload();
      expect(decodeProtectedHeader(await token()).kid).not.toBe(created?.kid);
      expect((await jwks()).keys.map((k) => k.kid)).toContain(created?.kid);
      server.clock.advance(server.services.keys.activationDelaySeconds);
      expect(decodeProtectedHeader(await token()).kid).toBe(created?.kid);
    } finally {
      await second.close();
    }
  });

  it('refuses to start with a different master secret, naming the cause', async () => {
    const config = loadConfig({
      TESSERA_ISSUER: testIssuer,
      TESSERA_SECRET: `${testSecret}-but-different`,
      TESSERA_DATABASE_URL: server.database.url,
      TESSERA_DATA_DIR: server.database.dataDir,
    });
    const other = createServices({
      config,
      logger: createLogger('silent'),
      database: openDatabase(config.database, postgresSchemaOf(server.database.url)),
    });
    try {
      await expect(other.keys.ensureKeys()).rejects.toBeInstanceOf(KeyDecryptionError);
    } finally {
      await other.close();
    }
  });
});

/** The test helper puts a PostgreSQL database in its own schema, named in the URL's options. */
function postgresSchemaOf(url: string): { postgresSchema?: string } {
  if (!url.startsWith('postgres')) return {};
  const options = new URL(url).searchParams.get('options') ?? '';
  const schema = /search_path=(\S+)/.exec(options)?.[1];
  return schema === undefined ? {} : { postgresSchema: schema };
}
