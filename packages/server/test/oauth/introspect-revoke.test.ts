import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { revocationSetKey } from '../../src/tokens/redis-revocation-set.js';
import { describeEachDialect, redisUrl } from '../helpers/databases.js';
import { databaseSnapshot } from '../helpers/snapshot.js';
import {
  basic,
  createMachineClient,
  createPerson,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
} from '../helpers/test-server.js';

type Client = { clientId: string; clientSecret: string };

function suite(dialect: 'sqlite' | 'postgres', env: Record<string, string> = {}) {
  let server: TestServer;
  let api: Client;
  let resourceServer: Client;

  beforeEach(async () => {
    server = await startTestServer(dialect, { env });
    api = await createMachineClient(server.services, { scopes: ['read:agents'], name: 'worker' });
    resourceServer = await createMachineClient(server.services, { name: 'agents-api', introspection: true });
  });
  afterEach(() => server.close());

  async function token(client: Client = api): Promise<string> {
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(client.clientId, client.clientSecret) },
      payload: form({ grant_type: 'client_credentials' }),
    });
    return response.json().access_token;
  }
  const introspect = (value: string, as: Client = resourceServer) =>
    server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...formHeaders, authorization: basic(as.clientId, as.clientSecret) },
      payload: form({ token: value }),
    });
  const revoke = (value: string, as: Client = api, extra: Record<string, string> = {}) =>
    server.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { ...formHeaders, authorization: basic(as.clientId, as.clientSecret) },
      payload: form({ token: value, ...extra }),
    });

  it('introspection describes a live access token (RFC 7662 §2.2)', async () => {
    const accessToken = await token();
    const response = await introspect(accessToken);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const now = Math.floor(server.clock.now().getTime() / 1000);
    expect(response.json()).toEqual({
      active: true,
      scope: 'read:agents',
      client_id: api.clientId,
      token_type: 'Bearer',
      exp: now + 3600,
      iat: now,
      sub: api.clientId,
      aud: 'http://tessera.test',
      iss: 'http://tessera.test',
      jti: expect.any(String),
    });
  });

  // Issue 13 item 2 (RFC 7662 §4): only a client with the introspection permission learns about
  // other clients' tokens; any other client introspects only its own.
  it('a client without the introspection permission sees its own tokens, and others’ as inactive', async () => {
    const mine = await token(api);
    const other = await createMachineClient(server.services, { name: 'other worker' });
    const theirs = await token(other);
    expect((await introspect(mine, api)).json()).toMatchObject({ active: true, client_id: api.clientId });
    expect((await introspect(theirs, api)).json()).toEqual({ active: false });
    expect((await introspect(theirs)).json()).toMatchObject({ active: true, client_id: other.clientId });
  });

  // Issue 13 item 1: RFC 7662 covers refresh tokens too.
  it('a live refresh token introspects as active until it is revoked or rotated', async () => {
    await createPerson(server.services, { username: 'alice' });
    const login = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'alice', password: 'correct horse battery' },
    });
    const { refresh_token: refreshToken } = login.json();
    const now = Math.floor(server.clock.now().getTime() / 1000);
    expect((await introspect(refreshToken)).json()).toEqual({
      active: true,
      client_id: 'tessera',
      exp: now + 604_800,
      iat: now,
      sub: expect.any(String),
      iss: 'http://tessera.test',
      sid: expect.any(String),
      username: 'alice',
    });
    // The session API's refresh token is not the worker's: inactive to it.
    expect((await introspect(refreshToken, api)).json()).toEqual({ active: false });
    const rotated = await server.app.inject({
      method: 'GET',
      url: '/token',
      headers: { authorization: `Bearer ${refreshToken}` },
    });
    expect((await introspect(refreshToken)).json()).toEqual({ active: false });
    const successor = rotated.json().refresh_token;
    expect((await introspect(successor)).json()).toMatchObject({ active: true, username: 'alice' });
    await server.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { authorization: `Bearer ${rotated.json().access_token}` },
    });
    expect((await introspect(successor)).json()).toEqual({ active: false });
  });

  it('a refresh token of a revoked client introspects as inactive', async () => {
    await createPerson(server.services, { username: 'alice' });
    const app = await server.services.clients.create(
      { name: 'app', type: 'confidential', grantTypes: ['password', 'refresh_token'], scopes: [] },
      { actor: 'test' },
    );
    const granted = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(app.client.id, app.secret as string) },
      payload: form({ grant_type: 'password', username: 'alice', password: 'correct horse battery' }),
    });
    const { refresh_token: refreshToken } = granted.json();
    expect((await introspect(refreshToken)).json()).toMatchObject({ active: true, client_id: app.client.id });
    await server.services.clients.revoke(app.client.id, { actor: 'test' });
    expect((await introspect(refreshToken)).json()).toEqual({ active: false });
  });

  it('introspection answers only {"active": false} for garbage, expired and foreign tokens', async () => {
    expect((await introspect('not-a-token')).json()).toEqual({ active: false });
    const accessToken = await token();
    server.clock.advance(3601);
    expect((await introspect(accessToken)).json()).toEqual({ active: false });
    const [header, payload] = accessToken.split('.');
    expect((await introspect(`${header}.${payload}.AAAA`)).json()).toEqual({ active: false });
  });

  it('introspection requires client authentication', async () => {
    const accessToken = await token();
    const anonymous = await server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: formHeaders,
      payload: form({ token: accessToken }),
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error).toBe('invalid_client');
    const wrong = await introspect(accessToken, { clientId: resourceServer.clientId, clientSecret: 'wrong' });
    expect(wrong.statusCode).toBe(401);
    const missing = await server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...formHeaders, authorization: basic(resourceServer.clientId, resourceServer.clientSecret) },
      payload: form({}),
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Missing required parameter: token',
    });
  });

  it('revoking an access token makes introspection answer inactive at once', async () => {
    const accessToken = await token();
    const response = await revoke(accessToken, api, { token_type_hint: 'access_token' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect((await introspect(accessToken)).json()).toEqual({ active: false });
    // Another token of the same client is untouched.
    expect((await introspect(await token())).json().active).toBe(true);
    const events = await server.services.audit.tail(10);
    expect(events.map((e) => e.type)).toContain('token.revoked');
  });

  it('a token introspected before is checked again on every call: revocation, expiry, a withdrawn key', async () => {
    const active = async (value: string) => (await introspect(value)).json().active;

    // The second answer comes from the verified-token cache; revocation still applies to it.
    const revoked = await token();
    expect(await active(revoked)).toBe(true);
    expect(await active(revoked)).toBe(true);
    await revoke(revoked);
    expect(await active(revoked)).toBe(false);

    // Expiry is checked on every call, as jwtVerify would (exp <= now is expired).
    const expiring = await token();
    expect(await active(expiring)).toBe(true);
    server.clock.advance(3599);
    expect(await active(expiring)).toBe(true);
    server.clock.advance(1);
    expect(await active(expiring)).toBe(false);

    // A key taken out of the published set no longer vouches for tokens it signed, seen or not.
    const signedByOldKey = await token();
    expect(await active(signedByOldKey)).toBe(true);
    const [oldKey] = (await server.services.keys.list()).filter((k) => k.use === 'access');
    await server.services.keys.rotate({ actor: 'test' });
    await server.services.keys.reload();
    expect(await active(signedByOldKey)).toBe(true);
    await server.database.handle.db
      .deleteFrom('signing_keys')
      .where('kid', '=', oldKey?.kid ?? '')
      .execute();
    await server.services.keys.reload();
    expect(await active(signedByOldKey)).toBe(false);
    expect(await active(await token())).toBe(true);
  });

  it('revoking an unknown or malformed token is a 200 and changes nothing (RFC 7009 §2.2)', async () => {
    const before = await databaseSnapshot(server.database.handle.db);
    expect((await revoke('nothing-like-a-token')).statusCode).toBe(200);
    expect((await revoke('a.b.c', api, { token_type_hint: 'refresh_token' })).statusCode).toBe(200);
    expect(await databaseSnapshot(server.database.handle.db)).toEqual(before);
  });

  it('a client cannot revoke another client’s token (RFC 7009 §2.1)', async () => {
    const accessToken = await token(api);
    const response = await revoke(accessToken, resourceServer);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
    expect((await introspect(accessToken)).json().active).toBe(true);
  });

  it('revocation requires a valid client', async () => {
    const accessToken = await token();
    const response = await revoke(accessToken, { clientId: api.clientId, clientSecret: 'wrong' });
    expect(response.statusCode).toBe(401);
    expect((await introspect(accessToken)).json().active).toBe(true);
  });

  it('tokens of a revoked client are inactive', async () => {
    const accessToken = await token();
    await server.services.clients.revoke(api.clientId, { actor: 'test' });
    expect((await introspect(accessToken)).json()).toEqual({ active: false });
  });

  it('revoked ids are kept until the token would have expired, then purged', async () => {
    const accessToken = await token();
    await revoke(accessToken);
    const count = async () =>
      (await server.database.handle.db.selectFrom('revoked_tokens').select('jti').execute()).length;
    expect(await count()).toBe(1);
    server.clock.advance(1800);
    expect(await server.services.revocations.purgeExpired()).toBe(0);
    expect(await count()).toBe(1);
    server.clock.advance(1801);
    expect(await server.services.revocations.purgeExpired()).toBe(1);
    expect(await count()).toBe(0);
  });
}

describeEachDialect('introspection and revocation', (dialect) => suite(dialect));

const describeRedis = redisUrl === undefined ? describe.skip : describe;
describeRedis('introspection and revocation with Redis [sqlite + redis]', () => {
  suite('sqlite', { TESSERA_REDIS_URL: redisUrl ?? '' });
});

describeRedis('Redis revocation list', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(redisUrl as string);
  });
  afterAll(() => redis.quit());

  it('shares a revocation with another instance through Redis', async () => {
    const server = await startTestServer('sqlite', { env: { TESSERA_REDIS_URL: redisUrl as string } });
    try {
      const shared = server.services.redis as Redis;
      if (shared.status !== 'ready') await once(shared, 'ready');
      const client = await createMachineClient(server.services);
      const response = await server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { ...formHeaders, authorization: basic(client.clientId, client.clientSecret) },
        payload: form({ grant_type: 'client_credentials' }),
      });
      const accessToken = response.json().access_token as string;
      const { jti } = await server.services.accessTokens.verify(accessToken);
      await server.services.revocations.revoke(jti, new Date(server.clock.now().getTime() + 3_600_000));
      const key = revocationSetKey(server.services.config.redisPrefix);
      expect(await redis.zscore(key, `j:${jti}`)).not.toBeNull();
      // No TTL, so a volatile-* eviction policy never picks it. Losing it on purpose (a flush, an
      // eviction, an outage) is test/faults/redis-revocation.test.ts.
      expect(await redis.ttl(key)).toBe(-1);
      expect(await server.services.revocations.isRevoked(jti)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
