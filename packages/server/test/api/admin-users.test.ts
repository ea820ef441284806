import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
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
const env = { TESSERA_RATE_LIMITS: 'api=100000,login=100000,introspect=100000' };
const adminPassword = 'correct horse battery staple';
const day = 86_400;

type Json = Record<string, unknown>;

describeEachDialect('admin API: users, service accounts, sessions, keys, audit', (dialect) => {
  let server: TestServer;
  let adminToken: string;
  let adminId: string;
  let introspector: { clientId: string; clientSecret: string } | undefined;

  beforeEach(async () => {
    introspector = undefined;
    server = await startTestServer(dialect, { env });
    const { user } = await createPerson(server.services, {
      username: 'root',
      password: adminPassword,
      isAdmin: true,
    });
    adminId = user.id;
    adminToken = (await login('root', adminPassword)).json().access_token;
  });
  afterEach(() => server.close());

  function login(username: string, password: string) {
    return server.app.inject({ method: 'POST', url: '/login', payload: { username, password } });
  }

  function api(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
    token = adminToken,
  ) {
    return server.app.inject({
      method,
      url: `/admin/api${url}`,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as Json }),
    });
  }

  async function created(payload: Json): Promise<Json & { id: string }> {
    const response = await api('POST', '/users', payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  const me = (token: string) =>
    server.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });

  async function introspect(token: string): Promise<Json> {
    introspector ??= await createMachineClient(server.services, {
      name: 'resource server',
      introspection: true,
    });
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...formHeaders, authorization: basic(introspector.clientId, introspector.clientSecret) },
      payload: form({ token }),
    });
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  async function serviceToken(
    id: string,
    days = 365,
  ): Promise<{ token: string; jti: string; expires_at: string }> {
    const response = await api('POST', `/users/${id}/service-tokens`, { expires_in_days: days });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  it('Flow: a service user and its 365-day token; disabling refuses it at once, revoking refuses one token only', async () => {
    introspector = undefined;
    const robot = await created({
      username: 'flow-bot',
      email: 'bot@flow.example',
      is_service_account: true,
    });
    expect(robot).toEqual({
      id: expect.any(String),
      username: 'flow-bot',
      email: 'bot@flow.example',
      first_name: '',
      last_name: '',
      is_admin: false,
      is_service_account: true,
      disabled: false,
      groups: [],
      permissions: [],
      attributes: {},
      scopes: [],
      created_at: server.clock.now().toISOString(),
      updated_at: server.clock.now().toISOString(),
    });

    const first = await serviceToken(robot.id);
    expect(first).toEqual({
      token: expect.any(String),
      jti: decodeJwt(first.token).jti,
      expires_at: expect.any(String),
    });
    expect(Date.parse(first.expires_at)).toBe(server.clock.now().getTime() + 365 * day * 1000);
    expect(decodeJwt(first.token)).toMatchObject({ sub: robot.id, type: 'service' });

    const asRobot = await me(first.token);
    expect(asRobot.statusCode).toBe(200);
    expect(asRobot.json()).toMatchObject({ id: robot.id, username: 'flow-bot' });
    expect(await introspect(first.token)).toMatchObject({ active: true, sub: robot.id });

    // A year later minus a day, the token still works.
    server.clock.advance(364 * day);
    expect((await me(first.token)).statusCode).toBe(200);
    server.clock.advance(-364 * day);

    // Revoking one token refuses that token only.
    server.clock.advance(1);
    const second = await serviceToken(robot.id, 30);
    expect((await api('DELETE', `/service-tokens/${first.jti}`)).statusCode).toBe(204);
    expect((await me(first.token)).json()).toEqual(
      envelope('Invalid authentication token', 'UNAUTHENTICATED'),
    );
    expect(await introspect(first.token)).toEqual({ active: false });
    expect((await me(second.token)).statusCode).toBe(200);
    expect(await introspect(second.token)).toMatchObject({ active: true });

    // Disabling the account refuses every token at once.
    const disabled = await api('POST', `/users/${robot.id}/disable`);
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ id: robot.id, disabled: true, is_service_account: true });
    expect((await me(second.token)).statusCode).toBe(401);
    expect(await introspect(second.token)).toEqual({ active: false });

    const listed = await api('GET', `/users/${robot.id}/service-tokens`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().tokens).toEqual([
      {
        jti: second.jti,
        created_at: server.clock.now().toISOString(),
        expires_at: second.expires_at,
        ended_at: server.clock.now().toISOString(),
        end_reason: 'account_disabled',
        active: false,
      },
      expect.objectContaining({ jti: first.jti, end_reason: 'token_revoked', active: false }),
    ]);
    expect(JSON.stringify(listed.json())).not.toContain(second.token);

    // A disabled account gets no token; enabled again, it does (the old ones stay ended).
    expect((await api('POST', `/users/${robot.id}/service-tokens`, { expires_in_days: 1 })).json()).toEqual(
      envelope("service account 'flow-bot' is disabled", 'BAD_REQUEST'),
    );
    expect((await api('POST', `/users/${robot.id}/enable`)).json()).toMatchObject({ disabled: false });
    expect((await me(second.token)).statusCode).toBe(401);
    expect((await me((await serviceToken(robot.id, 1)).token)).statusCode).toBe(200);

    const events = await api('GET', `/audit-events?subject=service:${robot.id}`);
    expect(events.json().events.map((e: Json) => e.type)).toEqual([
      'service_account.token_issued',
      'user.enabled',
      'user.disabled',
      'service_account.token_revoked',
      'service_account.token_issued',
      'service_account.token_issued',
      'service_account.created',
    ]);
    expect(events.json().events.every((e: Json) => e.actor === `user:${adminId}`)).toBe(true);
  });

  it('refuses what the service accounts refuse: days out of range, people, passwords, unknown tokens', async () => {
    const robot = await created({ username: 'robot', email: 'robot@example.com', is_service_account: true });
    const person = await created({ username: 'pat', email: 'pat@example.com', password: adminPassword });
    const cases: Array<[string, Json, number, string, string]> = [
      [robot.id, { expires_in_days: 366 }, 400, "Field 'expires_in_days' must be at most 365", 'BAD_REQUEST'],
      [robot.id, { expires_in_days: 0 }, 400, "Field 'expires_in_days' must be at least 1", 'BAD_REQUEST'],
      [robot.id, { expires_in_days: 1.5 }, 400, "Field 'expires_in_days' must be an integer", 'BAD_REQUEST'],
      [robot.id, {}, 400, 'Missing required field: expires_in_days', 'BAD_REQUEST'],
      [person.id, { expires_in_days: 1 }, 400, "'pat' is not a service account", 'BAD_REQUEST'],
      [randomUUID(), { expires_in_days: 1 }, 404, '', 'NOT_FOUND'],
    ];
    for (const [id, payload, status, message, code] of cases) {
      const response = await api('POST', `/users/${id}/service-tokens`, payload);
      expect({ payload, status: response.statusCode }).toEqual({ payload, status });
      expect(response.json().errors[0].extensions.code).toBe(code);
      if (message !== '') expect(response.json().errors[0].message).toBe(message);
    }
    expect(
      (
        await api('POST', '/users', {
          username: 'r2',
          email: 'r2@x.io',
          is_service_account: true,
          password: 'x',
        })
      ).json(),
    ).toEqual(envelope('A service account has no password', 'BAD_REQUEST'));
    expect((await api('DELETE', '/service-tokens/no-such-jti')).json()).toEqual(
      envelope("no service-account token has the jti 'no-such-jti'", 'NOT_FOUND'),
    );
    expect((await api('POST', `/users/${robot.id}/password`, { password: adminPassword })).json()).toEqual(
      envelope("'robot' is a service account: it has no password", 'BAD_REQUEST'),
    );
  });

  it('a service account holding the admin permission administers with its token', async () => {
    const robot = await created({
      username: 'ops-bot',
      email: 'ops@example.com',
      is_service_account: true,
      permissions: ['admin'],
    });
    expect(robot).toMatchObject({ is_admin: false, permissions: ['admin'], admin: true });
    const { token } = await serviceToken(robot.id, 1);
    const listed = await api('GET', '/users?kind=service', undefined, token);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().users.map((u: Json) => u.username)).toEqual(['ops-bot']);
    const accounts = await api('GET', '/service-accounts', undefined, token);
    expect(accounts.json()).toEqual({
      service_accounts: [
        {
          id: robot.id,
          name: 'ops-bot',
          scopes: [],
          permissions: ['admin'],
          disabled: false,
          created_at: server.clock.now().toISOString(),
        },
      ],
    });
    // Its actions are audited as its own.
    await api('POST', '/users', { username: 'made-by-bot', email: 'm@example.com' }, token);
    const events = await api('GET', `/audit-events?type=user.created&actor=user:${robot.id}`);
    expect(events.json().events.map((e: Json) => (e.details as Json).username)).toEqual(['made-by-bot']);
  });

  it('creates people: a generated password shown once, the user object as /me plus is_service_account', async () => {
    const response = await api('POST', '/users', {
      username: 'alice',
      email: 'alice@example.com',
      first_name: 'Alice',
      last_name: 'van Dijk',
      groups: ['staff'],
      permissions: ['can_run_pipelines'],
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const alice = response.json();
    expect(alice).toEqual({
      id: expect.any(String),
      username: 'alice',
      email: 'alice@example.com',
      first_name: 'Alice',
      last_name: 'van Dijk',
      is_admin: false,
      is_service_account: false,
      disabled: false,
      groups: ['staff'],
      permissions: ['can_run_pipelines'],
      can_run_pipelines: true,
      attributes: {},
      scopes: [],
      created_at: server.clock.now().toISOString(),
      updated_at: server.clock.now().toISOString(),
      password: expect.any(String),
    });
    const signedIn = await login('alice', alice.password);
    expect(signedIn.statusCode).toBe(200);
    // The same object as /me, plus the management fields.
    const { password: _shownOnce, ...withoutPassword } = alice;
    expect(withoutPassword).toMatchObject((await me(signedIn.json().access_token)).json());
    expect((await api('GET', `/users/${alice.id}`)).json()).toEqual(withoutPassword);

    // A password given is not echoed; a name taken is a conflict; a bad field a 400.
    const bob = await api('POST', '/users', {
      username: 'bob',
      email: 'bob@example.com',
      password: adminPassword,
    });
    expect(bob.json()).not.toHaveProperty('password');
    expect((await api('POST', '/users', { username: 'ALICE', email: 'a@example.com' })).json()).toEqual(
      envelope("the name 'ALICE' is taken", 'CONFLICT'),
    );
    const refusals: Array<[Json, string]> = [
      [{ username: 'carol', email: 'not-an-email' }, "'not-an-email' is not an email address"],
      [{ username: 'carol' }, 'Missing required field: email'],
      [{ username: 'carol', email: 'c@x.io', role: 'admin' }, 'Unknown field: role'],
      [
        { username: 'carol', email: 'c@x.io', permissions: ['disabled'] },
        "the permission 'disabled' would collide with the user field of that name",
      ],
      [{ username: 'carol', email: 'c@x.io', password: 'short' }, expect.any(String) as unknown as string],
    ];
    for (const [payload, message] of refusals) {
      const refused = await api('POST', '/users', payload);
      expect({ payload, status: refused.statusCode, body: refused.json() }).toEqual({
        payload,
        status: 400,
        body: envelope(message, 'BAD_REQUEST'),
      });
    }
    expect((await api('GET', `/users/${randomUUID()}`)).statusCode).toBe(404);
  });

  it('lists users in username order a page at a time, searching username, email and name', async () => {
    for (const [username, name] of [
      ['dora', 'Dora Explorer'],
      ['Cleo', 'Cleo Patra'],
      ['bert', 'Bert Ernie'],
      ['ann_x', 'Ann Example'],
      ['edgar', 'Edgar Allan'],
    ] as const) {
      const [first_name, last_name] = name.split(' ');
      await created({
        username,
        email: `${username.toLowerCase()}@mail.example`,
        first_name,
        last_name,
        password: adminPassword,
      });
    }
    await created({ username: 'zz-robot', email: 'robot@bots.example', is_service_account: true });

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const response = await api('GET', `/users?limit=2${query}`);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.users.length).toBeLessThanOrEqual(2);
      seen.push(...body.users.map((u: Json) => u.username));
      cursor = body.next_cursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    expect(seen).toEqual(['ann_x', 'bert', 'Cleo', 'dora', 'edgar', 'root', 'zz-robot']);

    const search = async (query: string) =>
      (await api('GET', `/users?${query}`)).json().users.map((u: Json) => u.username);
    expect(await search('search=CLEO')).toEqual(['Cleo']);
    expect(await search('search=patra')).toEqual(['Cleo']);
    expect(await search('search=r%20a')).toEqual(['edgar']);
    expect(await search('search=mail.example')).toEqual(['ann_x', 'bert', 'Cleo', 'dora', 'edgar']);
    // LIKE's wildcards are matched as themselves.
    expect(await search('search=_')).toEqual(['ann_x']);
    expect(await search('search=%25')).toEqual([]);
    expect(await search('kind=service')).toEqual(['zz-robot']);
    expect(await search('kind=user&search=bots')).toEqual([]);

    for (const [query, message] of [
      ['limit=0', 'a page holds 1 to 200 users'],
      ['limit=201', 'a page holds 1 to 200 users'],
      ['cursor=not-a-cursor!', 'the cursor is not one this server handed out'],
      ['kind=robot', "Field 'kind' must be one of user, service"],
    ]) {
      expect((await api('GET', `/users?${query}`)).json()).toEqual(
        envelope(message as string, 'BAD_REQUEST'),
      );
    }
  });

  it('changes a user: names, email, groups, permissions, admin flag, attributes; a service account its scopes', async () => {
    const alice = await created({ username: 'alice', email: 'alice@example.com', password: adminPassword });
    server.clock.advance(60);
    const patched = await api('PATCH', `/users/${alice.id}`, {
      email: 'alice@new.example',
      first_name: 'Alice',
      last_name: 'Liddell',
      is_admin: true,
      groups: ['ops', 'staff'],
      permissions: ['can_deploy'],
      attributes: { team: 'blue', level: 3 },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      email: 'alice@new.example',
      first_name: 'Alice',
      last_name: 'Liddell',
      is_admin: true,
      groups: ['ops', 'staff'],
      permissions: ['can_deploy'],
      can_deploy: true,
      attributes: { team: 'blue', level: 3 },
      updated_at: server.clock.now().toISOString(),
    });
    // Fields left out stay; an attribute set to null goes.
    const again = await api('PATCH', `/users/${alice.id}`, {
      last_name: 'Smith',
      attributes: { level: null },
    });
    expect(again.json()).toMatchObject({
      first_name: 'Alice',
      last_name: 'Smith',
      email: 'alice@new.example',
      groups: ['ops', 'staff'],
      attributes: { team: 'blue' },
    });

    const groups = await api('GET', '/groups');
    expect(groups.json()).toEqual({
      groups: [
        { name: 'ops', members: 1 },
        { name: 'staff', members: 1 },
      ],
    });
    await created({
      username: 'bob',
      email: 'b@x.io',
      password: adminPassword,
      permissions: ['can_deploy'],
      groups: ['ops'],
    });
    expect((await api('GET', '/groups')).json().groups).toEqual([
      { name: 'ops', members: 2 },
      { name: 'staff', members: 1 },
    ]);
    expect((await api('GET', '/permissions')).json()).toEqual({
      permissions: [{ name: 'can_deploy', members: 2 }],
    });

    // A service account's scopes are changed here too; a person has none, a robot no is_admin.
    await server.services.scopes.create('read:agents', {}, { actor: 'test' });
    const robot = await created({ username: 'robot', email: 'r@x.io', is_service_account: true });
    expect((await api('PATCH', `/users/${robot.id}`, { scopes: ['read:agents'] })).json()).toMatchObject({
      scopes: ['read:agents'],
    });
    const refusals: Array<[string, Json, string]> = [
      [alice.id, {}, 'Nothing to change'],
      [alice.id, { scopes: ['read:agents'] }, "'alice' is a person: only service accounts hold scopes"],
      [
        robot.id,
        { is_admin: true },
        "'robot' is a service account: it administers by holding the 'admin' permission",
      ],
      [robot.id, { scopes: ['nope'] }, "unknown scope 'nope'; create the scope first"],
      [alice.id, { username: 'eve' }, 'Unknown field: username'],
      [alice.id, { attributes: { 'bad key': 1 } }, "'bad key' is not a valid attribute name"],
    ];
    for (const [id, payload, message] of refusals) {
      const response = await api('PATCH', `/users/${id}`, payload);
      expect({ payload, body: response.json() }).toEqual({ payload, body: envelope(message, 'BAD_REQUEST') });
    }
  });

  it('sets a password (ending the sessions), deletes a user (refusing their tokens)', async () => {
    const alice = await created({ username: 'alice', email: 'alice@example.com', password: adminPassword });
    const token = (await login('alice', adminPassword)).json().access_token;
    expect((await me(token)).statusCode).toBe(200);

    const newPassword = 'a much better passphrase';
    const set = await api('POST', `/users/${alice.id}/password`, { password: newPassword });
    expect(set.statusCode).toBe(204);
    expect(set.body).toBe('');
    expect((await me(token)).statusCode).toBe(401);
    expect((await login('alice', adminPassword)).statusCode).toBe(401);
    const fresh = (await login('alice', newPassword)).json().access_token;
    expect((await me(fresh)).statusCode).toBe(200);
    expect((await api('POST', `/users/${alice.id}/password`, {})).json()).toEqual(
      envelope('Missing required field: password', 'BAD_REQUEST'),
    );

    const deleted = await api('DELETE', `/users/${alice.id}`);
    expect(deleted.statusCode).toBe(204);
    expect((await me(fresh)).statusCode).toBe(401);
    expect((await api('GET', `/users/${alice.id}`)).json()).toEqual(
      envelope(`no user has the id '${alice.id}'`, 'NOT_FOUND'),
    );
    expect((await api('DELETE', `/users/${alice.id}`)).statusCode).toBe(404);
    expect((await login('alice', newPassword)).statusCode).toBe(401);
  });

  it('lists sessions, ends one, ends them all', async () => {
    const alice = await created({ username: 'alice', email: 'alice@example.com', password: adminPassword });
    const first = (await login('alice', adminPassword)).json().access_token;
    server.clock.advance(10);
    const second = (await login('alice', adminPassword)).json().access_token;

    const listed = await api('GET', `/users/${alice.id}/sessions`);
    expect(listed.statusCode).toBe(200);
    const sessions = listed.json().sessions;
    expect(sessions.map((s: Json) => s.id)).toEqual([decodeJwt(second).sid, decodeJwt(first).sid]);
    expect(sessions[0]).toEqual({
      id: decodeJwt(second).sid,
      kind: 'api',
      client_id: null,
      created_at: server.clock.now().toISOString(),
      last_active_at: server.clock.now().toISOString(),
      expires_at: expect.any(String),
      auth_time: server.clock.now().toISOString(),
      amr: ['pwd'],
      ip: '127.0.0.1',
      user_agent: 'lightMyRequest',
      ended_at: null,
      end_reason: null,
    });

    expect((await api('DELETE', `/sessions/${decodeJwt(first).sid}`)).statusCode).toBe(204);
    expect((await me(first)).statusCode).toBe(401);
    expect((await me(second)).statusCode).toBe(200);
    expect((await api('GET', `/users/${alice.id}/sessions`)).json().sessions).toHaveLength(1);
    const all = (await api('GET', `/users/${alice.id}/sessions?include_ended=true`)).json().sessions;
    expect(all.map((s: Json) => s.end_reason)).toEqual([null, 'ended_by_admin']);
    expect((await api('DELETE', `/sessions/${randomUUID()}`)).statusCode).toBe(404);

    expect((await api('POST', `/users/${alice.id}/sessions/end`)).json()).toEqual({ ended: 1 });
    expect((await me(second)).statusCode).toBe(401);
    expect((await api('POST', `/users/${alice.id}/sessions/end`)).json()).toEqual({ ended: 0 });
    // The admin's own session is untouched.
    expect((await api('GET', '/users?limit=1')).statusCode).toBe(200);
  });

  it('lists and withdraws consents: the app must ask again and its sessions end', async () => {
    const { user } = await createPerson(server.services, { username: 'alice' });
    const app = await server.services.clients.create(
      {
        name: 'Photo app',
        type: 'public',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: ['https://photos.example/cb'],
        scopes: ['openid', 'profile'],
      },
      { actor: 'test' },
    );
    const stores = createStores(server.database.handle.db);
    await stores.consents.save({
      userId: user.id,
      clientId: app.client.id,
      scopes: ['openid', 'profile'],
      grantedAt: server.clock.now(),
    });
    const issued = await server.services.sessions.open({
      user,
      kind: 'oauth',
      clientId: app.client.id,
      scope: ['openid', 'profile'],
      policy: { accessTtl: 3600, refreshTtl: 86_400, maxAge: 86_400 },
      amr: ['pwd'],
      ip: null,
      userAgent: null,
    });
    expect(await introspect(issued.accessToken.token)).toMatchObject({ active: true });

    const listed = await api('GET', `/users/${user.id}/consents`);
    expect(listed.json()).toEqual({
      consents: [
        {
          client_id: app.client.id,
          client_name: 'Photo app',
          scopes: ['openid', 'profile'],
          granted_at: server.clock.now().toISOString(),
        },
      ],
    });
    expect((await api('DELETE', `/users/${user.id}/consents/${app.client.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/users/${user.id}/consents`)).json()).toEqual({ consents: [] });
    expect(await introspect(issued.accessToken.token)).toEqual({ active: false });
    expect(await introspect(issued.refreshToken as string)).toEqual({ active: false });
    expect((await api('DELETE', `/users/${user.id}/consents/${app.client.id}`)).json()).toEqual(
      envelope(`no consent was given to the client '${app.client.id}'`, 'NOT_FOUND'),
    );
    const events = await api('GET', '/audit-events?type=consent.withdrawn');
    expect(events.json().events).toEqual([
      expect.objectContaining({
        subject: `user:${user.id}`,
        client_id: app.client.id,
        details: { sessions_ended: 1 },
      }),
    ]);
  });

  it('lists and rotates signing keys', async () => {
    const before = (await api('GET', '/keys')).json().keys;
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((k: Json) => k.status === 'active')).toBe(true);
    expect(JSON.stringify(before)).not.toMatch(/private|"d":/);

    const rotated = await api('POST', '/keys/rotate');
    expect(rotated.statusCode).toBe(200);
    const body = rotated.json();
    expect(body.rotated).toHaveLength(before.length);
    expect(Date.parse(body.signs_from)).toBe(
      server.clock.now().getTime() + server.services.keys.activationDelaySeconds * 1000,
    );
    const after = (await api('GET', '/keys')).json().keys;
    expect(after).toHaveLength(before.length * 2);
    for (const key of before) {
      expect(after.find((k: Json) => k.kid === key.kid)).toMatchObject({
        status: 'retired',
        retired_at: body.signs_from,
      });
    }
    const events = await api('GET', '/audit-events?type=key.rotated');
    expect(events.json().events).toHaveLength(before.length);
  });

  it('filters audit events by type (exact or family), actor and time, newest first, a page at a time', async () => {
    const start = server.clock.now();
    const ids: string[] = [];
    // Thirty seconds apart: five minutes would outlive the admin's access token.
    for (const name of ['u1', 'u2', 'u3', 'u4', 'u5']) {
      server.clock.advance(30);
      ids.push((await created({ username: name, email: `${name}@x.io`, password: adminPassword })).id);
    }
    await api('POST', `/users/${ids[0]}/disable`);

    const page = async (query: string) => {
      const response = await api('GET', `/audit-events?${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as { events: Json[]; next_cursor: string | null };
    };
    const created_ = await page('type=user.created');
    expect(created_.events.map((e) => (e.details as Json).username)).toEqual([
      'u5',
      'u4',
      'u3',
      'u2',
      'u1',
      'root',
    ]);
    expect(created_.events[0]).toEqual({
      seq: expect.any(Number),
      id: expect.any(String),
      occurred_at: new Date(start.getTime() + 150_000).toISOString(),
      type: 'user.created',
      outcome: 'success',
      actor: `user:${adminId}`,
      subject: `user:${ids[4]}`,
      client_id: null,
      ip: '127.0.0.1',
      user_agent: 'lightMyRequest',
      details: { username: 'u5' },
    });
    expect(created_.next_cursor).toBeNull();
    expect((await page('type=user.*')).events.map((e) => e.type)).toEqual([
      'user.disabled',
      ...Array(5).fill('user.created'),
      // root, made by createPerson (actor 'test')
      'user.created',
    ]);
    expect((await page(`type=user.*&actor=user:${adminId}`)).events).toHaveLength(6);
    expect((await page('actor=test')).events.map((e) => e.type)).toEqual(['user.created']);

    const since = new Date(start.getTime() + 60_000).toISOString();
    const until = new Date(start.getTime() + 120_000).toISOString();
    expect(
      (await page(`type=user.created&since=${since}&until=${until}`)).events.map(
        (e) => (e.details as Json).username,
      ),
    ).toEqual(['u3', 'u2']);

    // Paging: two at a time, no event twice, none missed, even with new events arriving meanwhile.
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const body = await page(`type=user.created&limit=2${query}`);
      seen.push(...body.events.map((e) => (e.details as Json).username as string));
      if (i === 0) await created({ username: 'late', email: 'late@x.io', password: adminPassword });
      cursor = body.next_cursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(['u5', 'u4', 'u3', 'u2', 'u1', 'root']);

    for (const [query, message] of [
      ['since=yesterday', "Field 'since' contains characters that are not allowed"],
      [`since=${until}&until=${since}`, 'since must be before until'],
      ['cursor=abc', 'the cursor is not one this server handed out'],
      ['limit=500', 'a page holds 1 to 200 events'],
      ['colour=red', 'Unknown field: colour'],
    ]) {
      const response = await api('GET', `/audit-events?${query}`);
      expect({ query, status: response.statusCode }).toEqual({ query, status: 400 });
      if (!(message as string).startsWith('Field')) {
        expect(response.json()).toEqual(envelope(message as string, 'BAD_REQUEST'));
      }
    }
  });
});
