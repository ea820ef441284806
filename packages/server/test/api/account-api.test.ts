import { afterEach, beforeEach, expect, it } from 'vitest';
import { hashSecret } from '../../src/platform/secret-hash.js';
import { createStores } from '../../src/storage/repositories/index.js';
import { describeEachDialect } from '../helpers/databases.js';
import {
  basic,
  createPerson,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
} from '../helpers/test-server.js';

const envelope = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });
// Many calls from one address: budgets out of reach, limits still on.
const env = { TESSERA_RATE_LIMITS: 'api=100000,login=100000,token=100000,me=100000' };
const secretPattern = /^tsk_[A-Za-z0-9_-]{43}$/;
const agent = 'workflux-agent/1.0';

describeEachDialect('self-service API', (dialect) => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer(dialect, { env });
    await createPerson(server.services, { username: 'alice', password: 'alice password 1' });
    await createPerson(server.services, { username: 'bob', password: 'bob password 1' });
    for (const scope of ['read:agents', 'write:agents']) {
      await server.services.scopes.create(scope, {}, { actor: 'test' });
    }
    await server.services.scopes.create('admin:billing', { restricted: true }, { actor: 'test' });
  });
  afterEach(() => server.close());

  async function signIn(username: string, password: string): Promise<{ token: string; sid: string }> {
    const login = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username, password },
    });
    expect(login.statusCode).toBe(200);
    const token = login.json().access_token as string;
    const payload = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    return { token, sid: payload.sid };
  }

  function api(token: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
    return server.app.inject({
      method,
      url: `/account/api${url}`,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  }

  function tokenRequest(clientId: string, secret: string, params: Record<string, string>) {
    return server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(clientId, secret), 'user-agent': agent },
      payload: form(params),
    });
  }

  async function createOwn(token: string, body: Record<string, unknown>) {
    const created = await api(token, 'POST', '/clients', body);
    expect(created.statusCode).toBe(201);
    return created.json() as { client_id: string; client_secret: string; created_at: string };
  }

  it('Flume: a personal client obtains tokens for its owner only', async () => {
    const alice = await signIn('alice', 'alice password 1');
    const created = await api(alice.token, 'POST', '/clients', { name: 'My CLI', kind: 'personal' });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.json()).toEqual({
      client_id: expect.any(String),
      client_secret: expect.stringMatching(secretPattern),
      kind: 'personal',
      name: 'My CLI',
      scopes: ['openid', 'profile', 'email'],
      created_at: server.clock.now().toISOString(),
    });
    const { client_id, client_secret } = created.json();

    const own = await tokenRequest(client_id, client_secret, {
      grant_type: 'password',
      username: 'alice',
      password: 'alice password 1',
      scope: 'profile',
    });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ token_type: 'Bearer', scope: 'profile' });
    expect(own.json().refresh_token).toEqual(expect.any(String));
    const userinfo = await server.app.inject({
      method: 'GET',
      url: '/oauth/userinfo',
      headers: { authorization: `Bearer ${own.json().access_token}` },
    });
    expect(userinfo.json()).toMatchObject({ preferred_username: 'alice' });

    // Bob's password is right, but the client is Alice's: refused like a wrong password.
    const other = await tokenRequest(client_id, client_secret, {
      grant_type: 'password',
      username: 'bob',
      password: 'bob password 1',
    });
    expect(other.statusCode).toBe(400);
    expect(other.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid username or password',
    });
  });

  it('WorkFlux: an API key with read:agents, refused write:agents, rotated with an overlap, revoked, its usage per day', async () => {
    const alice = await signIn('alice', 'alice password 1');
    const key = await createOwn(alice.token, { name: 'agents', kind: 'api_key', scopes: ['read:agents'] });
    expect(key.client_secret).toMatch(secretPattern);

    const granted = await tokenRequest(key.client_id, key.client_secret, {
      grant_type: 'client_credentials',
      scope: 'read:agents',
    });
    expect(granted.statusCode).toBe(200);
    expect(granted.json()).toMatchObject({ scope: 'read:agents', expires_in: 3600 });
    const wider = await tokenRequest(key.client_id, key.client_secret, {
      grant_type: 'client_credentials',
      scope: 'write:agents',
    });
    expect(wider.statusCode).toBe(400);
    expect(wider.json().error).toBe('invalid_scope');

    // Rotation with a one-hour overlap: both secrets work until it ends.
    const rotated = await api(alice.token, 'POST', `/clients/${key.client_id}/rotate`, {
      overlap_seconds: 3600,
    });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json()).toEqual({
      client_secret: expect.stringMatching(secretPattern),
      previous_secret_expires_at: new Date(server.clock.now().getTime() + 3_600_000).toISOString(),
    });
    const second = rotated.json().client_secret as string;
    const cc = { grant_type: 'client_credentials', scope: 'read:agents' };
    expect((await tokenRequest(key.client_id, key.client_secret, cc)).statusCode).toBe(200);
    expect((await tokenRequest(key.client_id, second, cc)).statusCode).toBe(200);
    expect((await tokenRequest(key.client_id, 'tsk_wrong', cc)).statusCode).toBe(401);

    // A second rotation during the overlap ends the older predecessor at once: at most two work.
    server.clock.advance(120); // within the session API token's five minutes
    const third = (
      await api(alice.token, 'POST', `/clients/${key.client_id}/rotate`, { overlap_seconds: 60 })
    ).json();
    expect(third.previous_secret_expires_at).toBe(
      new Date(server.clock.now().getTime() + 60_000).toISOString(),
    );
    expect((await tokenRequest(key.client_id, key.client_secret, cc)).statusCode).toBe(401);
    expect((await tokenRequest(key.client_id, second, cc)).statusCode).toBe(200);
    expect((await tokenRequest(key.client_id, third.client_secret, cc)).statusCode).toBe(200);
    const listed = (await api(alice.token, 'GET', '/clients')).json().clients;
    expect(listed).toHaveLength(1);
    expect(listed[0].secrets.map((s: { expires_at: string | null }) => s.expires_at)).toEqual([
      third.previous_secret_expires_at,
      null,
    ]);
    server.clock.advance(61);
    expect((await tokenRequest(key.client_id, second, cc)).statusCode).toBe(401);

    // So far: granted 5 (1 + 2 + 2), refused 4 (a scope, three wrong or expired secrets).
    await server.services.usage.flush();
    const usage = await api(alice.token, 'GET', `/clients/${key.client_id}/usage?days=3`);
    expect(usage.statusCode).toBe(200);
    const day = (offset: number) =>
      new Date(server.clock.now().getTime() - offset * 86_400_000).toISOString().slice(0, 10);
    expect(usage.json()).toEqual({
      days: [
        { date: day(2), granted: 0, refused: 0 },
        { date: day(1), granted: 0, refused: 0 },
        { date: day(0), granted: 5, refused: 4 },
      ],
    });

    // Revoked: refused at once, gone from the list.
    const revoked = await api(alice.token, 'DELETE', `/clients/${key.client_id}`);
    expect(revoked.statusCode).toBe(204);
    const after = await tokenRequest(key.client_id, third.client_secret, cc);
    expect(after.statusCode).toBe(401);
    expect(after.json().error).toBe('invalid_client');
    expect((await api(alice.token, 'GET', '/clients')).json()).toEqual({ clients: [] });
    expect((await api(alice.token, 'DELETE', `/clients/${key.client_id}`)).statusCode).toBe(404);
  });

  it('counts rate-limit refusals for the key, and only an administrator sets its tier', async () => {
    const alice = await signIn('alice', 'alice password 1');
    const key = await createOwn(alice.token, { name: 'agents', kind: 'api_key', scopes: ['read:agents'] });
    const withTier = await api(alice.token, 'POST', '/clients', {
      name: 'more',
      kind: 'api_key',
      rate_limit_tier: 'unlimited',
    });
    expect(withTier.statusCode).toBe(400);
    expect(withTier.json().errors[0].extensions.code).toBe('BAD_REQUEST');

    await server.services.clients.update(
      key.client_id,
      { rateLimit: 2, rateLimitTier: 'starter' },
      { actor: 'test' },
    );
    const cc = { grant_type: 'client_credentials' };
    const statuses = [];
    for (let i = 0; i < 4; i += 1)
      statuses.push((await tokenRequest(key.client_id, key.client_secret, cc)).statusCode);
    expect(statuses).toEqual([200, 200, 429, 429]);
    await server.services.usage.flush();
    const today = (await api(alice.token, 'GET', `/clients/${key.client_id}/usage?days=1`)).json().days;
    expect(today).toEqual([{ date: server.clock.now().toISOString().slice(0, 10), granted: 2, refused: 2 }]);
    const [listed] = (await api(alice.token, 'GET', '/clients')).json().clients;
    expect(listed).toMatchObject({ rate_limit_tier: 'starter', rate_limit: 2, kind: 'api_key' });
  });

  it('records the last use of each secret: time, address, user agent', async () => {
    const alice = await signIn('alice', 'alice password 1');
    const key = await createOwn(alice.token, { name: 'agents', kind: 'api_key', scopes: ['read:agents'] });
    const [before] = (await api(alice.token, 'GET', '/clients')).json().clients;
    expect(before.secrets).toEqual([
      {
        id: expect.any(String),
        created_at: key.created_at,
        expires_at: null,
        last_used_at: null,
        last_used_ip: null,
        last_used_user_agent: null,
      },
    ]);
    server.clock.advance(30);
    expect(
      (await tokenRequest(key.client_id, key.client_secret, { grant_type: 'client_credentials' })).statusCode,
    ).toBe(200);
    await server.services.usage.flush();
    const [after] = (await api(alice.token, 'GET', '/clients')).json().clients;
    expect(after.secrets[0]).toMatchObject({
      last_used_at: server.clock.now().toISOString(),
      last_used_ip: '127.0.0.1',
      last_used_user_agent: agent,
    });
    expect(after).not.toHaveProperty('client_secret');
    expect(JSON.stringify(after)).not.toContain(key.client_secret);
  });

  it('refuses restricted scopes, sign-in scopes on keys and unknown scopes; hides other people’s clients', async () => {
    const alice = await signIn('alice', 'alice password 1');
    const refusals: Array<[Record<string, unknown>, string]> = [
      [
        { name: 'k', kind: 'api_key', scopes: ['admin:billing'] },
        "the scope 'admin:billing' is restricted: only an administrator can grant it",
      ],
      [
        { name: 'p', kind: 'personal', scopes: ['profile', 'admin:billing'] },
        "the scope 'admin:billing' is restricted: only an administrator can grant it",
      ],
      [
        { name: 'k', kind: 'api_key', scopes: ['openid'] },
        "an API key takes API scopes; 'openid' is for signing people in",
      ],
      [{ name: 'k', kind: 'api_key', scopes: ['read:nothing'] }, "unknown scope 'read:nothing'"],
    ];
    for (const [body, message] of refusals) {
      const response = await api(alice.token, 'POST', '/clients', body);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(envelope(message, 'BAD_REQUEST'));
    }
    const badKind = await api(alice.token, 'POST', '/clients', { name: 'k', kind: 'confidential' });
    expect(badKind.statusCode).toBe(400);

    // An administrator lifts the restriction: then a user may take it.
    await server.services.scopes.update('admin:billing', { restricted: false }, { actor: 'test' });
    const key = await createOwn(alice.token, { name: 'billing', kind: 'api_key', scopes: ['admin:billing'] });

    const bob = await signIn('bob', 'bob password 1');
    expect((await api(bob.token, 'GET', '/clients')).json()).toEqual({ clients: [] });
    for (const [method, url] of [
      ['POST', `/clients/${key.client_id}/rotate`],
      ['DELETE', `/clients/${key.client_id}`],
      ['GET', `/clients/${key.client_id}/usage`],
    ] as const) {
      const response = await api(bob.token, method, url, method === 'POST' ? {} : undefined);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual(envelope(`you have no client with id '${key.client_id}'`, 'NOT_FOUND'));
    }
  });

  it('leaves at most two working secrets when rotations race', async () => {
    const alice = await signIn('alice', 'alice password 1');
    const key = await createOwn(alice.token, { name: 'raced', kind: 'api_key' });
    const rotations = await Promise.all(
      Array.from({ length: 4 }, () =>
        api(alice.token, 'POST', `/clients/${key.client_id}/rotate`, { overlap_seconds: 3600 }),
      ),
    );
    expect(rotations.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    const [listed] = (await api(alice.token, 'GET', '/clients')).json().clients;
    expect(listed.secrets).toHaveLength(2);
    expect(listed.secrets.filter((s: { expires_at: string | null }) => s.expires_at === null)).toHaveLength(
      1,
    );
  });

  it('keeps secrets issued before the tsk_ prefix valid', async () => {
    const alice = await signIn('alice', 'alice password 1');
    const key = await createOwn(alice.token, { name: 'old', kind: 'api_key' });
    const stores = createStores(server.database.handle.db);
    await stores.clients.insertSecret({
      id: crypto.randomUUID(),
      clientId: key.client_id,
      hash: hashSecret('an-old-unprefixed-secret-of-43-characters-x'),
      createdAt: server.clock.now(),
      expiresAt: null,
      lastUsed: null,
    });
    server.services.clientDirectory.invalidate(key.client_id);
    const response = await tokenRequest(key.client_id, 'an-old-unprefixed-secret-of-43-characters-x', {
      grant_type: 'client_credentials',
    });
    expect(response.statusCode).toBe(200);
  });

  it('lists, ends one and ends the other sessions of the signed-in user only', async () => {
    const first = await signIn('alice', 'alice password 1');
    const second = await signIn('alice', 'alice password 1');
    const third = await signIn('alice', 'alice password 1');
    const bob = await signIn('bob', 'bob password 1');

    const listed = await api(first.token, 'GET', '/sessions');
    expect(listed.statusCode).toBe(200);
    const sessions = listed.json().sessions as Array<{ id: string; current: boolean; kind: string }>;
    expect(sessions.map((s) => s.id).sort()).toEqual([first.sid, second.sid, third.sid].sort());
    expect(sessions.filter((s) => s.current).map((s) => s.id)).toEqual([first.sid]);
    expect(sessions.every((s) => s.kind === 'api')).toBe(true);

    expect((await api(first.token, 'DELETE', `/sessions/${bob.sid}`)).statusCode).toBe(404);
    expect((await api(first.token, 'DELETE', `/sessions/${second.sid}`)).statusCode).toBe(204);
    const me = (token: string) =>
      server.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
    expect((await me(second.token)).statusCode).toBe(401);
    expect((await me(third.token)).statusCode).toBe(200);

    const others = await api(first.token, 'POST', '/sessions/end-others');
    expect(others.json()).toEqual({ ended: 1 });
    expect((await me(third.token)).statusCode).toBe(401);
    expect((await me(first.token)).statusCode).toBe(200);
    expect((await me(bob.token)).statusCode).toBe(200);
  });

  it('lists consents and withdraws one: the app must ask again, and its sessions end', async () => {
    const alice = await signIn('alice', 'alice password 1');
    const app = await server.services.clients.create(
      {
        name: 'Photo app',
        type: 'public',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: ['https://photos.example/cb'],
      },
      { actor: 'test' },
    );
    const clientId = app.client.id;
    const stores = createStores(server.database.handle.db);
    await stores.consents.save({
      userId: (await server.services.users.get('alice')).id,
      clientId,
      scopes: ['openid', 'profile'],
      grantedAt: server.clock.now(),
    });
    const user = await server.services.users.get('alice');
    const oauth = await server.services.sessions.open({
      user,
      kind: 'oauth',
      clientId,
      scope: ['openid', 'profile'],
      policy: { accessTtl: 3600, refreshTtl: 86_400, maxAge: 86_400 },
      amr: ['pwd'],
      ip: null,
      userAgent: null,
    });

    expect((await api(alice.token, 'GET', '/consents')).json()).toEqual({
      consents: [
        {
          client_id: clientId,
          client_name: 'Photo app',
          scopes: ['openid', 'profile'],
          granted_at: server.clock.now().toISOString(),
        },
      ],
    });
    expect((await api(alice.token, 'DELETE', `/consents/${clientId}`)).statusCode).toBe(204);
    expect((await api(alice.token, 'GET', '/consents')).json()).toEqual({ consents: [] });
    expect((await api(alice.token, 'DELETE', `/consents/${clientId}`)).statusCode).toBe(404);
    expect((await server.services.sessions.findSession(oauth.session.id))?.endReason).toBe(
      'consent_withdrawn',
    );
  });

  it('changes the password after checking the current one (with the sign-in backoff) and ends the other sessions', async () => {
    const current = await signIn('alice', 'alice password 1');
    const other = await signIn('alice', 'alice password 1');
    const change = (currentPassword: string, newPassword = 'alice password 2') =>
      api(current.token, 'POST', '/password', {
        current_password: currentPassword,
        new_password: newPassword,
      });

    const wrong = await change('not the password');
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toEqual(envelope('The current password is incorrect', 'FORBIDDEN'));
    expect((await change('alice password 1', 'short')).json()).toEqual(
      envelope('the password must be at least 8 characters', 'BAD_REQUEST'),
    );

    const ok = await change('alice password 1');
    expect(ok.statusCode).toBe(204);
    const me = (token: string) =>
      server.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
    expect((await me(other.token)).statusCode).toBe(401);
    expect((await me(current.token)).statusCode).toBe(200);
    const old = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'alice', password: 'alice password 1' },
    });
    expect(old.statusCode).toBe(401);
    await signIn('alice', 'alice password 2');

    // Guessing: after the free failures (5), the backoff answers 429 before any password check.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await change(`guess ${i}`, 'alice password 3')).statusCode);
    expect(statuses.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(statuses.at(-1)).toBe(429);
  });

  it('reads and changes the profile: names and email only; a changed email is no longer verified', async () => {
    const alice = await signIn('alice', 'alice password 1');
    const me = await server.app.inject({
      method: 'GET',
      url: '/me',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect((await api(alice.token, 'GET', '/profile')).json()).toEqual(me.json());

    const user = await server.services.users.get('alice');
    await server.services.users.update(
      { id: user.id },
      { attributes: { email_verified: true } },
      { actor: 'test' },
    );
    const patched = await api(alice.token, 'PATCH', '/profile', {
      first_name: 'Alicia',
      email: 'alicia@example.com',
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      first_name: 'Alicia',
      last_name: 'Liddell',
      email: 'alicia@example.com',
    });
    expect((await server.services.users.get('alice')).attributes).not.toHaveProperty('email_verified');

    expect((await api(alice.token, 'PATCH', '/profile', {})).json()).toEqual(
      envelope('Nothing to change: give first_name, last_name or email', 'BAD_REQUEST'),
    );
    const refused = await api(alice.token, 'PATCH', '/profile', { username: 'root' });
    expect(refused.statusCode).toBe(400);
    const admin = await api(alice.token, 'PATCH', '/profile', { is_admin: true });
    expect(admin.statusCode).toBe(400);
    expect((await server.services.users.get('alice')).isAdmin).toBe(false);
  });

  it('describes every self-service route in the OpenAPI document', async () => {
    const document = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const accountRoutes = server.app.apiRoutes.filter((r) => r.access === 'account');
    expect(accountRoutes.length).toBeGreaterThanOrEqual(12);
    for (const route of accountRoutes) {
      const path = route.url.replace(/:([a-z_]+)/g, '{$1}');
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${path}`).toBeDefined();
      expect(operation.tags).toEqual(['account']);
      expect(operation.summary).toEqual(expect.any(String));
    }
  });
});
