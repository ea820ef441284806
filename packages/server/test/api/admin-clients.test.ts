import { afterEach, beforeEach, expect, it } from 'vitest';
import { createStores } from '../../src/storage/repositories/index.js';
import { describeEachDialect } from '../helpers/databases.js';
import {
  basic,
  createMachineClient,
  createPerson,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
} from '../helpers/test-server.js';

const envelope = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });
// Many calls from one address: budgets out of reach, limits still on.
const env = { TESSERA_RATE_LIMITS: 'api=100000,login=100000,token=100000,introspect=100000' };

describeEachDialect('admin API: clients and scopes', (dialect) => {
  let server: TestServer;
  let adminToken: string;
  const adminPassword = 'correct horse battery staple';

  beforeEach(async () => {
    server = await startTestServer(dialect, { env });
    await createPerson(server.services, { username: 'root', password: adminPassword, isAdmin: true });
    await signIn();
  });
  afterEach(() => server.close());

  async function signIn() {
    const login = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'root', password: adminPassword },
    });
    adminToken = login.json().access_token;
  }

  function api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
    return server.app.inject({
      method,
      url: `/admin/api${url}`,
      headers: { authorization: `Bearer ${adminToken}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  }

  function token(clientId: string, secret: string, params: Record<string, string>) {
    return server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(clientId, secret) },
      payload: form(params),
    });
  }

  async function introspect(value: string): Promise<{ active: boolean }> {
    const rs = await createMachineClient(server.services, { name: 'rs', introspection: true });
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...formHeaders, authorization: basic(rs.clientId, rs.clientSecret) },
      payload: form({ token: value }),
    });
    return response.json();
  }

  async function createScope(name: string, body: Record<string, unknown> = {}) {
    const response = await api('POST', '/scopes', { name, ...body });
    expect(response.statusCode).toBe(201);
    return response.json();
  }

  it('creates a client (its secret in the 201 only), reads it, and the secret obtains tokens', async () => {
    await createScope('read:agents');
    const created = await api('POST', '/clients', {
      name: 'Agents worker',
      type: 'confidential',
      grant_types: ['client_credentials'],
      scopes: ['read:agents'],
      access_token_ttl: 600,
      rate_limit_tier: 'professional',
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const body = created.json();
    expect(body).toEqual({
      client_id: expect.any(String),
      client_secret: expect.any(String),
      name: 'Agents worker',
      kind: null,
      type: 'confidential',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      post_logout_redirect_uris: [],
      scopes: ['read:agents'],
      owner_user_id: null,
      access_token_ttl: 600,
      refresh_token_ttl: null,
      first_party: false,
      id_token_signed_response_alg: 'RS256',
      introspection: false,
      rate_limit_tier: 'professional',
      rate_limit: null,
      created_at: server.clock.now().toISOString(),
      revoked_at: null,
    });

    const read = await api('GET', `/clients/${body.client_id}`);
    expect(read.statusCode).toBe(200);
    const { client_secret: _secret, ...withoutSecret } = body;
    expect(read.json()).toEqual(withoutSecret);

    const granted = await token(body.client_id, body.client_secret, { grant_type: 'client_credentials' });
    expect(granted.statusCode).toBe(200);
    expect(granted.json()).toMatchObject({ scope: 'read:agents', expires_in: 600 });

    // A public client has no secret, and an owner is named by user id.
    const { user } = await createPerson(server.services, { username: 'bob' });
    const spa = await api('POST', '/clients', {
      name: 'SPA',
      type: 'public',
      redirect_uris: ['https://app.example/callback'],
      owner_user_id: user.id,
    });
    expect(spa.statusCode).toBe(201);
    expect(spa.json()).not.toHaveProperty('client_secret');
    expect(spa.json()).toMatchObject({
      grant_types: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      owner_user_id: user.id,
    });
  });

  it('refuses what ClientService refuses, in words no CLI option appears in', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x', type: 'public' }, 'the authorization_code grant needs at least one redirect URI'],
      [{ name: 'x', type: 'confidential', scopes: ['nope'] }, "unknown scope 'nope'; create the scope first"],
      [
        { name: 'x', type: 'confidential', rate_limit_tier: 'platinum' },
        'the rate-limit tier must be one of starter, professional, unlimited',
      ],
      [
        { name: 'x', type: 'confidential', access_token_ttl: 0 },
        'the access token lifetime must be a whole number of seconds from 1 to 31536000',
      ],
      [
        { name: 'x', type: 'public', redirect_uris: ['http://app.example/cb'] },
        "invalid redirect URI: 'http://app.example/cb' must use https (plain http is allowed for localhost only)",
      ],
      [
        { name: 'x', type: 'confidential', owner_user_id: 'no-such-user' },
        "no user with id 'no-such-user' to own the client",
      ],
      [{ name: 'x', type: 'confidential', secret: 'mine' }, 'Unknown field: secret'],
      [{ name: 'x', type: 'private' }, "Field 'type' must be one of confidential, public"],
      [{ name: 'x', type: 'confidential', rate_limit: '5' }, "Field 'rate_limit' must be an integer or null"],
      [{ type: 'confidential' }, 'Missing required field: name'],
    ];
    for (const [payload, message] of cases) {
      const response = await api('POST', '/clients', payload);
      expect({ payload, status: response.statusCode, body: response.json() }).toEqual({
        payload,
        status: 400,
        body: envelope(message, 'BAD_REQUEST'),
      });
    }
    expect((await api('GET', '/clients/unknown-client')).json()).toEqual(
      envelope("no client with id 'unknown-client'", 'NOT_FOUND'),
    );
  });

  it('lists clients a page at a time, filtered by name, owner and kind', async () => {
    const { user } = await createPerson(server.services, { username: 'bob' });
    const ids: string[] = [];
    for (const name of ['Alpha', 'Beta', 'alphabet soup', 'Gamma', 'Delta']) {
      const created = await api('POST', '/clients', {
        name,
        type: 'confidential',
        ...(name === 'Gamma' ? { owner_user_id: user.id } : {}),
      });
      ids.push(created.json().client_id);
      server.clock.advance(1);
    }

    const first = await api('GET', '/clients?limit=2');
    expect(first.statusCode).toBe(200);
    expect(first.json().clients.map((c: { client_id: string }) => c.client_id)).toEqual(ids.slice(0, 2));
    const seen = [...first.json().clients];
    let cursor: string | null = first.json().next_cursor;
    for (let page = 0; cursor !== null && page < 10; page++) {
      const next = await api('GET', `/clients?limit=2&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...next.json().clients);
      cursor = next.json().next_cursor;
    }
    expect(cursor).toBeNull();
    expect(seen.map((c: { client_id: string }) => c.client_id)).toEqual(ids);
    // Secrets never appear in a listing.
    expect(JSON.stringify(seen)).not.toContain('client_secret');

    const search = await api('GET', '/clients?search=ALPHA');
    expect(search.json().clients.map((c: { name: string }) => c.name)).toEqual(['Alpha', 'alphabet soup']);
    expect(search.json().next_cursor).toBeNull();
    // LIKE wildcards are plain characters in a search.
    expect((await api('GET', '/clients?search=%25')).json().clients).toEqual([]);
    const owned = await api('GET', `/clients?owner_user_id=${user.id}`);
    expect(owned.json().clients.map((c: { name: string }) => c.name)).toEqual(['Gamma']);
    expect((await api('GET', '/clients?kind=registered')).json().clients).toHaveLength(5);
    expect((await api('GET', '/clients?kind=api_key')).json().clients).toEqual([]);

    expect((await api('GET', '/clients?cursor=garbage')).json()).toEqual(
      envelope('the cursor is not one a previous page returned', 'BAD_REQUEST'),
    );
    expect((await api('GET', '/clients?limit=500')).json()).toEqual(
      envelope('a page holds 1 to 200 clients', 'BAD_REQUEST'),
    );
    expect((await api('GET', '/clients?limit=ten')).statusCode).toBe(400);
  });

  it('PATCH changes the fields given and leaves the rest; null clears a limit or lifetime', async () => {
    await createScope('read:agents');
    await createScope('write:agents');
    const created = (
      await api('POST', '/clients', {
        name: 'Worker',
        type: 'confidential',
        scopes: ['read:agents'],
        access_token_ttl: 600,
        rate_limit_tier: 'starter',
      })
    ).json();
    const id = created.client_id;

    const patched = await api('PATCH', `/clients/${id}`, {
      name: 'Worker 2',
      scopes: ['read:agents', 'write:agents'],
      grant_types: ['client_credentials', 'authorization_code'],
      redirect_uris: ['https://worker.example/cb'],
      refresh_token_ttl: 3600,
      rate_limit: 120,
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      name: 'Worker 2',
      scopes: ['read:agents', 'write:agents'],
      grant_types: ['client_credentials', 'authorization_code'],
      redirect_uris: ['https://worker.example/cb'],
      access_token_ttl: 600,
      refresh_token_ttl: 3600,
      rate_limit_tier: 'starter',
      rate_limit: 120,
    });

    const cleared = await api('PATCH', `/clients/${id}`, {
      access_token_ttl: null,
      rate_limit_tier: null,
      rate_limit: null,
    });
    expect(cleared.json()).toMatchObject({
      name: 'Worker 2',
      access_token_ttl: null,
      rate_limit_tier: null,
      rate_limit: null,
    });
    expect((await api('GET', `/clients/${id}`)).json()).toEqual(cleared.json());

    expect((await api('PATCH', `/clients/${id}`, {})).json()).toEqual(
      envelope('Nothing to change: give at least one field', 'BAD_REQUEST'),
    );
    expect((await api('PATCH', `/clients/${id}`, { type: 'public' })).json()).toEqual(
      envelope('Unknown field: type', 'BAD_REQUEST'),
    );
    expect(
      (
        await api('PATCH', `/clients/${id}`, { grant_types: ['authorization_code'], redirect_uris: [] })
      ).json(),
    ).toEqual(envelope('the authorization_code grant needs at least one redirect URI', 'BAD_REQUEST'));
    expect((await api('PATCH', '/clients/unknown-client', { name: 'x' })).statusCode).toBe(404);
  });

  it('rotate-secret: both secrets work during the overlap, the old one stops when it ends', async () => {
    const created = (await api('POST', '/clients', { name: 'Worker', type: 'confidential' })).json();
    const id = created.client_id;
    const oldSecret = created.client_secret;

    const rotated = await api('POST', `/clients/${id}/rotate-secret`, { overlap_seconds: 3600 });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    const { client_secret: newSecret, previous_secret_expires_at } = rotated.json();
    expect(rotated.json()).toEqual({
      client_secret: expect.any(String),
      previous_secret_expires_at: new Date(server.clock.now().getTime() + 3_600_000).toISOString(),
    });
    expect(newSecret).not.toBe(oldSecret);
    expect(previous_secret_expires_at).toBeDefined();

    const grant = { grant_type: 'client_credentials' };
    expect((await token(id, oldSecret, grant)).statusCode).toBe(200);
    expect((await token(id, newSecret, grant)).statusCode).toBe(200);
    server.clock.advance(3601);
    // The admin's session-API token has expired meanwhile.
    await signIn();
    expect((await token(id, oldSecret, grant)).statusCode).toBe(401);
    expect((await token(id, newSecret, grant)).statusCode).toBe(200);

    // No body: no overlap, the previous secret stops at once.
    const again = await server.app.inject({
      method: 'POST',
      url: `/admin/api/clients/${id}/rotate-secret`,
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().previous_secret_expires_at).toBe(server.clock.now().toISOString());
    expect((await token(id, newSecret, grant)).statusCode).toBe(401);
    expect((await token(id, again.json().client_secret, grant)).statusCode).toBe(200);

    expect(
      (await api('POST', `/clients/${id}/rotate-secret`, { overlap_seconds: 31 * 86_400 })).json(),
    ).toEqual(
      envelope('the rotation overlap must be a whole number of seconds from 0 to 2592000', 'BAD_REQUEST'),
    );
  });

  it('revoke: the client answers revoked and its secret obtains nothing more', async () => {
    const created = (await api('POST', '/clients', { name: 'Worker', type: 'confidential' })).json();
    const issued = await token(created.client_id, created.client_secret, {
      grant_type: 'client_credentials',
    });
    const revoked = await api('POST', `/clients/${created.client_id}/revoke`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({
      client_id: created.client_id,
      revoked_at: server.clock.now().toISOString(),
    });
    const refused = await token(created.client_id, created.client_secret, {
      grant_type: 'client_credentials',
    });
    expect(refused.statusCode).toBe(401);
    expect(await introspect(issued.json().access_token)).toEqual({ active: false });
  });

  it('delete: 204, its tokens are refused at once and its sessions and refresh tokens are gone', async () => {
    const { user, password } = await createPerson(server.services, { username: 'carol' });
    const created = (
      await api('POST', '/clients', {
        name: 'Personal',
        type: 'confidential',
        grant_types: ['password', 'refresh_token'],
        scopes: ['openid', 'offline_access'],
        owner_user_id: user.id,
      })
    ).json();
    const issued = await token(created.client_id, created.client_secret, {
      grant_type: 'password',
      username: 'carol',
      password,
      scope: 'openid offline_access',
    });
    expect(issued.statusCode).toBe(200);
    const { access_token, refresh_token } = issued.json();
    expect(refresh_token).toEqual(expect.any(String));
    expect((await introspect(access_token)).active).toBe(true);
    expect((await introspect(refresh_token)).active).toBe(true);

    const deleted = await api('DELETE', `/clients/${created.client_id}`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');

    expect(await introspect(access_token)).toEqual({ active: false });
    expect(await introspect(refresh_token)).toEqual({ active: false });
    const refresh = await token(created.client_id, created.client_secret, {
      grant_type: 'refresh_token',
      refresh_token,
    });
    expect(refresh.statusCode).toBe(401);
    expect(refresh.json().error).toBe('invalid_client');
    const userinfo = await server.app.inject({
      method: 'GET',
      url: '/oauth/userinfo',
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(userinfo.statusCode).toBe(401);

    expect((await api('GET', `/clients/${created.client_id}`)).statusCode).toBe(404);
    expect((await api('DELETE', `/clients/${created.client_id}`)).json()).toEqual(
      envelope(`no client with id '${created.client_id}'`, 'NOT_FOUND'),
    );
    const db = server.database.handle.db;
    const sessions = await db
      .selectFrom('sessions')
      .select('id')
      .where('client_id', '=', created.client_id)
      .execute();
    expect(sessions).toEqual([]);
    const tokens = await db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('client_id', '=', created.client_id)
      .execute();
    expect(tokens).toEqual([]);
    const audit = await createStores(db).audit.tail(20);
    expect(audit.find((event) => event.type === 'client.deleted')).toMatchObject({
      type: 'client.deleted',
      actor: `user:${(await server.services.users.get('root')).id}`,
      subject: `client:${created.client_id}`,
      details: { name: 'Personal' },
    });
  });

  it('scopes: create with claims, change, list, and delete one nobody holds', async () => {
    const created = await createScope('read:agents', {
      description: 'Read agents',
      claims: ['department'],
      restricted: true,
    });
    expect(created).toEqual({
      name: 'read:agents',
      description: 'Read agents',
      claims: ['department'],
      built_in: false,
      restricted: true,
    });
    const patched = await api('PATCH', '/scopes/read:agents', {
      claims: ['department', 'team'],
      restricted: false,
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toEqual({
      name: 'read:agents',
      description: 'Read agents',
      claims: ['department', 'team'],
      built_in: false,
      restricted: false,
    });
    const listed = (await api('GET', '/scopes')).json().scopes;
    expect(listed.map((s: { name: string }) => s.name)).toEqual([
      'email',
      'groups',
      'offline_access',
      'openid',
      'profile',
      'read:agents',
    ]);
    expect(listed.at(-1)).toEqual(patched.json());

    // The attributes a scope names are released as claims to a token that carries it.
    const { password } = await createPerson(server.services, { username: 'carol' });
    await server.services.users.update(
      'carol',
      { attributes: { department: 'ops', team: 'sre' } },
      {
        actor: 'test',
      },
    );
    const app = (
      await api('POST', '/clients', {
        name: 'App',
        type: 'confidential',
        grant_types: ['password'],
        scopes: ['openid', 'read:agents'],
      })
    ).json();
    const issued = await token(app.client_id, app.client_secret, {
      grant_type: 'password',
      username: 'carol',
      password,
      scope: 'openid read:agents',
    });
    const userinfo = async () =>
      (
        await server.app.inject({
          method: 'GET',
          url: '/oauth/userinfo',
          headers: { authorization: `Bearer ${issued.json().access_token}` },
        })
      ).json();
    expect(await userinfo()).toMatchObject({ department: 'ops', team: 'sre' });
    await api('PATCH', '/scopes/read:agents', { claims: ['team'] });
    const released = await userinfo();
    expect(released).toMatchObject({ team: 'sre' });
    expect(released).not.toHaveProperty('department');

    await createScope('temporary');
    expect((await api('DELETE', '/scopes/temporary')).statusCode).toBe(204);
    expect((await api('GET', '/scopes')).json().scopes).toHaveLength(6);
    expect((await api('DELETE', '/scopes/temporary')).json()).toEqual(
      envelope("no scope named 'temporary'", 'NOT_FOUND'),
    );
    expect((await api('PATCH', '/scopes/temporary', { description: 'x' })).statusCode).toBe(404);
    const audit = await createStores(server.database.handle.db).audit.tail(20);
    expect(audit.find((event) => event.type === 'scope.deleted')).toMatchObject({
      subject: 'scope:temporary',
      actor: expect.stringMatching(/^user:/),
    });
  });

  it('scopes: built-in ones stay, held ones are refused with 409 until taken off their holders', async () => {
    expect((await api('DELETE', '/scopes/openid')).json()).toEqual(
      envelope("scope 'openid' is built in and cannot be deleted", 'CONFLICT'),
    );
    await createScope('read:agents');
    expect((await api('POST', '/scopes', { name: 'read:agents' })).json()).toEqual(
      envelope("scope 'read:agents' already exists", 'CONFLICT'),
    );
    expect((await api('POST', '/scopes', { name: 'has space' })).statusCode).toBe(400);
    expect((await api('POST', '/scopes', { name: 'x', claims: ['not valid!'] })).json()).toEqual(
      envelope("claim 'not valid!' is not a valid attribute name", 'BAD_REQUEST'),
    );
    // A similar name (a LIKE wildcard, a longer name) does not hold it.
    await createScope('read_agents');
    await createScope('read:agents:all');
    const lookalike = await api('POST', '/clients', {
      name: 'Lookalike',
      type: 'confidential',
      scopes: ['read_agents', 'read:agents:all'],
    });
    expect(lookalike.statusCode).toBe(201);
    const holder = (
      await api('POST', '/clients', { name: 'Holder', type: 'confidential', scopes: ['read:agents'] })
    ).json();
    await server.services.users.createServiceAccount(
      { name: 'robot', scopes: ['read:agents'] },
      { actor: 'test' },
    );

    expect((await api('DELETE', '/scopes/read:agents')).json()).toEqual(
      envelope(
        `scope 'read:agents' is still held by client ${holder.client_id}, service account robot; remove it from them first`,
        'CONFLICT',
      ),
    );
    await api('PATCH', `/clients/${holder.client_id}`, { scopes: [] });
    expect((await api('DELETE', '/scopes/read:agents')).json()).toEqual(
      envelope(
        "scope 'read:agents' is still held by service account robot; remove it from them first",
        'CONFLICT',
      ),
    );
    await server.services.users.update('robot', { scopes: [] }, { actor: 'test' });
    expect((await api('DELETE', '/scopes/read:agents')).statusCode).toBe(204);
    expect((await api('GET', `/clients/${lookalike.json().client_id}`)).json().scopes).toEqual([
      'read_agents',
      'read:agents:all',
    ]);
  });

  it('the OpenAPI document lists every client and scope route, tagged admin', async () => {
    const document = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const expected: Array<[string, string]> = [
      ['/admin/api/clients', 'post'],
      ['/admin/api/clients', 'get'],
      ['/admin/api/clients/{client_id}', 'get'],
      ['/admin/api/clients/{client_id}', 'patch'],
      ['/admin/api/clients/{client_id}', 'delete'],
      ['/admin/api/clients/{client_id}/rotate-secret', 'post'],
      ['/admin/api/clients/{client_id}/revoke', 'post'],
      ['/admin/api/scopes', 'get'],
      ['/admin/api/scopes', 'post'],
      ['/admin/api/scopes/{name}', 'patch'],
      ['/admin/api/scopes/{name}', 'delete'],
    ];
    for (const [path, method] of expected) {
      const operation = document.paths[path]?.[method];
      expect({ path, method, tags: operation?.tags, summary: typeof operation?.summary }).toEqual({
        path,
        method,
        tags: ['admin'],
        summary: 'string',
      });
    }
    const created = document.paths['/admin/api/clients'].post;
    expect(Object.keys(created.requestBody.content['application/json'].schema.properties)).toContain(
      'rate_limit_tier',
    );
    expect(created.responses['201'].content['application/json'].schema.properties).toHaveProperty(
      'client_secret',
    );
  });
});
