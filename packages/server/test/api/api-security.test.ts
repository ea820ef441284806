import { randomUUID } from 'node:crypto';
import { sign } from '@fastify/cookie';
import { expect, it, type TestContext } from 'vitest';
import type { User } from '../../src/accounts/user.js';
import type { ApiRoute } from '../../src/http/api/api-scope.js';
import { randomToken } from '../../src/platform/random.js';
import { adminUserJsonSchema } from '../../src/presenters/user.js';
import { createStores } from '../../src/storage/repositories/index.js';
import { describeEachDialect } from '../helpers/databases.js';
import { basic, createPerson, form, formHeaders, testServerFor } from '../helpers/test-server.js';

/*
 * A security review of the admin and self-service APIs (issue 16): horizontal authorization
 * (another person's clients, sessions and consents are "not found"), vertical authorization (no
 * way up to an administrator's powers, no OAuth client's token, no cookie without the CSRF
 * header), secrets (never listed, never logged, never cached), the password change, and the
 * admin API's own limits and audit.
 */

const envelope = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });
// Many calls from one address: budgets out of reach, limits still on.
const env = { TESSERA_RATE_LIMITS: 'api=100000,login=100000,token=100000,me=100000' };
const adminPassword = 'root password 1';
const alicePassword = 'alice password 1';
const bobPassword = 'bob password 1';

type Json = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Headers = Record<string, string>;

const bearer = (token: string): Headers => ({ authorization: `Bearer ${token}` });

describeEachDialect('security of the admin and self-service APIs', { concurrent: true }, (dialect) => {
  /**
   * A server with an administrator (root), alice and bob, and the scopes the tests use, with the
   * test's helpers bound to it. A test of the sign-in backoff waits for held refusals, so the tests
   * run side by side, each with a server of its own.
   */
  async function securityServer(test: TestContext) {
    const server = await testServerFor(test, dialect, { env });
    await createPerson(server.services, { username: 'root', password: adminPassword, isAdmin: true });
    const alice = (await createPerson(server.services, { username: 'alice', password: alicePassword })).user;
    const bob = (await createPerson(server.services, { username: 'bob', password: bobPassword })).user;
    for (const scope of ['read:agents', 'write:agents']) {
      await server.services.scopes.create(scope, {}, { actor: 'test' });
    }
    await server.services.scopes.create('admin:billing', { restricted: true }, { actor: 'test' });

    async function signIn(username: string, password: string) {
      const response = await server.app.inject({
        method: 'POST',
        url: '/login',
        payload: { username, password },
      });
      expect(response.statusCode, response.body).toBe(200);
      const { access_token, refresh_token } = response.json() as {
        access_token: string;
        refresh_token: string;
      };
      const claims = JSON.parse(Buffer.from(access_token.split('.')[1] as string, 'base64url').toString());
      return { token: access_token, refreshToken: refresh_token, sid: claims.sid as string };
    }

    function call(method: Method, url: string, headers: Headers, payload?: unknown) {
      return server.app.inject({
        method,
        url,
        headers,
        ...(payload === undefined ? {} : { payload: payload as Json }),
      });
    }

    const account = (token: string, method: Method, path: string, payload?: unknown) =>
      call(method, `/account/api${path}`, bearer(token), payload);
    const admin = (token: string, method: Method, path: string, payload?: unknown) =>
      call(method, `/admin/api${path}`, bearer(token), payload);

    function tokenRequest(clientId: string, secret: string, params: Record<string, string>) {
      return server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { ...formHeaders, authorization: basic(clientId, secret) },
        payload: form(params),
      });
    }

    async function createOwn(token: string, body: Json) {
      const created = await account(token, 'POST', '/clients', body);
      expect(created.statusCode, created.body).toBe(201);
      return created.json() as { client_id: string; client_secret: string };
    }

    /** A browser signed in as `user`: its signed session cookie and CSRF cookie, and its CSRF header value. */
    async function browser(user: User) {
      const { services } = server;
      const session = await services.browserSessions.open(user, ['pwd'], { ip: null, userAgent: null });
      const key = randomToken(32);
      const cookie = `tessera_session=${sign(session.id, services.cookies.keys[0] as Buffer)}; tessera_csrf=${key}`;
      return { cookie, csrf: services.cookies.mac(`csrf:${key}`), sid: session.id };
    }

    /** An OAuth grant of `user` to a fresh public client: the consent and its session. */
    async function oauthGrant(user: User, clientId?: string) {
      const id =
        clientId ??
        (
          await server.services.clients.create(
            {
              name: 'Photo app',
              type: 'public',
              grantTypes: ['authorization_code', 'refresh_token'],
              redirectUris: ['https://photos.example/cb'],
            },
            { actor: 'test' },
          )
        ).client.id;
      await createStores(server.database.handle.db).consents.save({
        userId: user.id,
        clientId: id,
        scopes: ['openid', 'profile'],
        grantedAt: server.clock.now(),
      });
      const opened = await server.services.sessions.open({
        user,
        kind: 'oauth',
        clientId: id,
        scope: ['openid', 'profile'],
        policy: { accessTtl: 3600, refreshTtl: 86_400, maxAge: 86_400 },
        amr: ['pwd'],
        ip: null,
        userAgent: null,
      });
      return { clientId: id, session: opened.session };
    }

    const me = (token: string) => call('GET', '/me', bearer(token));

    return {
      server,
      alice,
      bob,
      signIn,
      call,
      account,
      admin,
      tokenRequest,
      createOwn,
      browser,
      oauthGrant,
      me,
    };
  }

  // ——— 1. Horizontal: another person's things are "not found" ———

  it("another person's clients are not found (404, as an id nobody has) and stay untouched", async (test) => {
    const { server, bob, signIn, call, account, tokenRequest, createOwn, browser } =
      await securityServer(test);
    const a = await signIn('alice', alicePassword);
    const b = await signIn('bob', bobPassword);
    const key = await createOwn(a.token, { name: 'agents', kind: 'api_key', scopes: ['read:agents'] });
    const personal = await createOwn(a.token, { name: 'cli', kind: 'personal' });
    const bobs = await createOwn(b.token, { name: 'bobs', kind: 'api_key' });
    // A client an administrator registered for nobody, and one of Bob's revoked.
    const unowned = (
      await server.services.clients.create(
        { name: 'server', type: 'confidential', grantTypes: ['client_credentials'] },
        { actor: 'test' },
      )
    ).client.id;
    const bobsRevoked = await createOwn(b.token, { name: 'gone', kind: 'api_key' });
    expect((await account(b.token, 'DELETE', `/clients/${bobsRevoked.client_id}`)).statusCode).toBe(204);

    const { cookie, csrf } = await browser(bob);
    const callers: Array<[string, Headers]> = [
      ['bearer', bearer(b.token)],
      ['browser', { cookie, 'x-csrf-token': csrf }],
    ];
    const attempts = (id: string): Array<[Method, string, Json | undefined]> => [
      ['POST', `/account/api/clients/${id}/rotate`, { overlap_seconds: 3600 }],
      ['GET', `/account/api/clients/${id}/usage?days=7`, undefined],
      ['DELETE', `/account/api/clients/${id}`, undefined],
    ];
    const ids = [
      key.client_id,
      personal.client_id,
      unowned,
      bobsRevoked.client_id,
      `no-such-${randomToken(6)}`,
    ];
    for (const [via, headers] of callers) {
      for (const id of ids) {
        for (const [method, url, payload] of attempts(id)) {
          const response = await call(method, url, headers, payload);
          expect(response.statusCode, `${via} ${method} ${url}`).toBe(404);
          expect(response.json()).toEqual(envelope(`you have no client with id '${id}'`, 'NOT_FOUND'));
          expect(response.headers['cache-control']).toBe('no-store');
        }
      }
    }
    // Alice's, from Alice's own account, are still hers, whole and working.
    const listed = (await account(a.token, 'GET', '/clients')).json().clients as Json[];
    expect(listed.map((c) => c.client_id).sort()).toEqual([key.client_id, personal.client_id].sort());
    expect(listed.every((c) => c.revoked_at === null && (c.secrets as Json[]).length === 1)).toBe(true);
    const cc = { grant_type: 'client_credentials', scope: 'read:agents' };
    expect((await tokenRequest(key.client_id, key.client_secret, cc)).statusCode).toBe(200);
    // Bob's list holds his live key only.
    const bobsList = (await account(b.token, 'GET', '/clients')).json().clients as Json[];
    expect(bobsList.map((c) => c.client_id)).toEqual([bobs.client_id]);
  });

  it("a client an administrator registered with the person as owner stays the administrator's to rotate and revoke", async (test) => {
    const { server, signIn, call } = await securityServer(test);
    const registered = await server.services.clients.create(
      {
        name: 'billing export',
        type: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['admin:billing'],
        ownerUsername: 'alice',
      },
      { actor: 'test' },
    );
    const { token } = await signIn('alice', alicePassword);
    const id = registered.client.id;
    const notFound = envelope(`you have no client with id '${id}'`, 'NOT_FOUND');
    const rotate = await call('POST', `/account/api/clients/${id}/rotate`, bearer(token), {});
    expect([rotate.statusCode, rotate.json()]).toEqual([404, notFound]);
    const remove = await call('DELETE', `/account/api/clients/${id}`, bearer(token));
    expect(remove.statusCode).toBe(404);
    const listed = (await call('GET', '/account/api/clients', bearer(token))).json() as {
      clients: Array<{ client_id: string }>;
    };
    expect(listed.clients.map((c) => c.client_id)).not.toContain(id);
    // Untouched: its secret still works.
    const issued = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(id, registered.secret as string) },
      payload: form({ grant_type: 'client_credentials' }),
    });
    expect(issued.statusCode).toBe(200);
  });

  it("another person's sessions cannot be ended: 404 as an id nobody has, and theirs keep working", async (test) => {
    const { alice, bob, signIn, call, account, browser, me } = await securityServer(test);
    const a = await signIn('alice', alicePassword);
    const aBrowser = await browser(alice);
    const b = await signIn('bob', bobPassword);
    const bBrowser = await browser(bob);

    for (const headers of [bearer(b.token), { cookie: bBrowser.cookie, 'x-csrf-token': bBrowser.csrf }]) {
      for (const sid of [a.sid, aBrowser.sid, randomUUID()]) {
        const response = await call('DELETE', `/account/api/sessions/${sid}`, headers);
        expect(response.statusCode).toBe(404);
        expect(response.json()).toEqual(envelope(`no session has the id '${sid}'`, 'NOT_FOUND'));
      }
    }
    // Ending "the others" ends only Bob's others; Bob's list shows only Bob's sessions.
    const listed = (await account(b.token, 'GET', '/sessions')).json().sessions as Json[];
    expect(listed.map((s) => s.id).sort()).toEqual([b.sid, bBrowser.sid].sort());
    expect((await account(b.token, 'POST', '/sessions/end-others')).json()).toEqual({ ended: 1 });
    expect((await me(a.token)).statusCode).toBe(200);
    const aliceSessions = (await account(a.token, 'GET', '/sessions')).json().sessions as Json[];
    expect(aliceSessions.map((s) => s.id).sort()).toEqual([a.sid, aBrowser.sid].sort());
  });

  it("another person's consent cannot be withdrawn: withdrawing one's own leaves theirs alone", async (test) => {
    const { server, alice, bob, signIn, account, oauthGrant } = await securityServer(test);
    const a = await signIn('alice', alicePassword);
    const b = await signIn('bob', bobPassword);
    const shared = await oauthGrant(alice);
    await oauthGrant(bob, shared.clientId);
    const alicesOnly = await oauthGrant(alice);

    const refused = await account(b.token, 'DELETE', `/consents/${alicesOnly.clientId}`);
    expect(refused.statusCode).toBe(404);
    expect(refused.json()).toEqual(
      envelope(`no consent was given to the client '${alicesOnly.clientId}'`, 'NOT_FOUND'),
    );
    expect((await account(b.token, 'DELETE', `/consents/${shared.clientId}`)).statusCode).toBe(204);

    const alicesConsents = (await account(a.token, 'GET', '/consents')).json().consents as Json[];
    expect(alicesConsents.map((c) => c.client_id).sort()).toEqual(
      [shared.clientId, alicesOnly.clientId].sort(),
    );
    for (const grant of [shared, alicesOnly]) {
      expect((await server.services.sessions.findSession(grant.session.id))?.endedAt).toBeNull();
    }
    expect((await account(b.token, 'GET', '/consents')).json()).toEqual({ consents: [] });
  });

  it('a person creates a client for themself only: no owner, kind, grant, redirect URI, tier or restricted scope of their choosing', async (test) => {
    const { server, alice, bob, signIn, call, account, admin, tokenRequest, createOwn } =
      await securityServer(test);
    const a = await signIn('alice', alicePassword);
    const smuggled: Json[] = [
      { owner_user_id: bob.id },
      { owner_user_id: alice.id },
      { rate_limit_tier: 'unlimited' },
      { rate_limit: 1_000_000 },
      { grant_types: ['authorization_code', 'client_credentials', 'password'] },
      { redirect_uris: ['https://evil.example/cb'] },
      { post_logout_redirect_uris: ['https://evil.example/'] },
      { type: 'public' },
      { first_party: true },
      { introspection: true },
      { access_token_ttl: 31_536_000 },
      { client_id: 'tessera' },
      { client_secret: 'tsk_chosen' },
      { id_token_signed_response_alg: 'none' },
    ];
    for (const extra of smuggled) {
      const response = await account(a.token, 'POST', '/clients', { name: 'k', kind: 'api_key', ...extra });
      expect(response.statusCode, JSON.stringify(extra)).toBe(400);
      expect(response.json()).toEqual(envelope(`Unknown field: ${Object.keys(extra)[0]}`, 'BAD_REQUEST'));
    }
    for (const kind of ['registered', 'confidential', 'public', null, '']) {
      expect((await account(a.token, 'POST', '/clients', { name: 'k', kind })).statusCode).toBe(400);
    }
    for (const kind of ['api_key', 'personal']) {
      const restricted = await account(a.token, 'POST', '/clients', {
        name: 'k',
        kind,
        scopes: ['read:agents', 'admin:billing'],
      });
      expect(restricted.statusCode).toBe(400);
    }
    expect((await account(a.token, 'GET', '/clients')).json()).toEqual({ clients: [] });

    // What a person does get: confidential, their own, the kind's one grant, no redirect URIs, no tier.
    const rootToken = (await signIn('root', adminPassword)).token;
    const key = await createOwn(a.token, { name: 'k', kind: 'api_key', scopes: ['read:agents'] });
    const personal = await createOwn(a.token, { name: 'p', kind: 'personal' });
    const registration = async (id: string) => (await admin(rootToken, 'GET', `/clients/${id}`)).json();
    const common = {
      type: 'confidential',
      owner_user_id: alice.id,
      redirect_uris: [],
      post_logout_redirect_uris: [],
      first_party: false,
      introspection: false,
      rate_limit_tier: null,
      rate_limit: null,
    };
    expect(await registration(key.client_id)).toMatchObject({
      ...common,
      kind: 'api_key',
      grant_types: ['client_credentials'],
      scopes: ['read:agents'],
    });
    expect(await registration(personal.client_id)).toMatchObject({
      ...common,
      kind: 'personal',
      grant_types: ['password', 'refresh_token'],
    });
    // Nor through the rotation's body.
    const rotate = await account(a.token, 'POST', `/clients/${key.client_id}/rotate`, {
      overlap_seconds: 0,
      rate_limit_tier: 'unlimited',
    });
    expect(rotate.json()).toEqual(envelope('Unknown field: rate_limit_tier', 'BAD_REQUEST'));
    const tooLong = await account(a.token, 'POST', `/clients/${key.client_id}/rotate`, {
      overlap_seconds: 10 * 365 * 86_400,
    });
    expect(tooLong.statusCode).toBe(400);

    // SPEC's `{overlap_seconds?}`: a rotation with no body at all (as HTTP clients send a bare POST) ends the old secret at once.
    const bare = await call('POST', `/account/api/clients/${key.client_id}/rotate`, bearer(a.token));
    expect(bare.statusCode, bare.body).toBe(200);
    expect(bare.json()).toEqual({
      client_secret: expect.any(String),
      previous_secret_expires_at: server.clock.now().toISOString(),
    });
    const machine = { grant_type: 'client_credentials' };
    expect((await tokenRequest(key.client_id, key.client_secret, machine)).statusCode).toBe(401);
    key.client_secret = bare.json().client_secret;
    expect((await tokenRequest(key.client_id, key.client_secret, machine)).statusCode).toBe(200);

    // At the token endpoint each kind has its one grant, and only its scopes.
    const keyAsPassword = await tokenRequest(key.client_id, key.client_secret, {
      grant_type: 'password',
      username: 'alice',
      password: alicePassword,
    });
    expect(keyAsPassword.statusCode).toBe(400);
    expect(keyAsPassword.json()).not.toHaveProperty('access_token');
    const personalAsMachine = await tokenRequest(personal.client_id, personal.client_secret, {
      grant_type: 'client_credentials',
    });
    expect(personalAsMachine.statusCode).toBe(400);
    expect(personalAsMachine.json()).not.toHaveProperty('access_token');
    const restrictedScope = await tokenRequest(key.client_id, key.client_secret, {
      grant_type: 'client_credentials',
      scope: 'admin:billing',
    });
    expect(restrictedScope.json().error).toBe('invalid_scope');
    const personalRestricted = await tokenRequest(personal.client_id, personal.client_secret, {
      grant_type: 'password',
      username: 'alice',
      password: alicePassword,
      scope: 'openid admin:billing',
    });
    expect(personalRestricted.json().error).toBe('invalid_scope');
  });

  // ——— 2. Vertical: no way up ———

  it('PATCH /account/api/profile changes names and email only: never the admin flag, groups, permissions or anything else', async (test) => {
    const { server, alice, signIn, account, admin } = await securityServer(test);
    const a = await signIn('alice', alicePassword);
    const fields = Object.keys(adminUserJsonSchema.properties).filter(
      (f) => !['first_name', 'last_name', 'email'].includes(f),
    );
    const attempts: Json[] = [
      ...fields.map((f) => ({ [f]: f === 'is_admin' || f === 'disabled' ? true : ['admin'] })),
      { admin: true },
      { email_verified: true },
      { password: 'a new password 1' },
      { kind: 'service' },
    ];
    for (const attempt of attempts) {
      const response = await account(a.token, 'PATCH', '/profile', { first_name: 'Eve', ...attempt });
      expect(response.statusCode, JSON.stringify(attempt)).toBe(400);
      expect(response.json()).toEqual(envelope(`Unknown field: ${Object.keys(attempt)[0]}`, 'BAD_REQUEST'));
    }
    const after = await server.services.users.get({ id: alice.id });
    expect(after).toMatchObject({
      isAdmin: false,
      groups: [],
      permissions: [],
      disabled: false,
      firstName: 'Alice',
      username: 'alice',
    });
    expect((await admin(a.token, 'GET', '/users')).statusCode).toBe(403);
  });

  it('a person holding a permission named admin, or a service account without it, is no administrator', async (test) => {
    const { server, alice, signIn, account, admin } = await securityServer(test);
    const rootToken = (await signIn('root', adminPassword)).token;
    await server.services.users.update({ id: alice.id }, { permissions: ['admin'] }, { actor: 'test' });
    const a = await signIn('alice', alicePassword);
    const forbidden = envelope('Administrator access required', 'FORBIDDEN');
    expect((await admin(a.token, 'GET', '/users')).json()).toEqual(forbidden);

    const robot = (
      await admin(rootToken, 'POST', '/users', {
        username: 'robot',
        email: 'robot@example.com',
        is_service_account: true,
        permissions: ['deploy'],
      })
    ).json();
    const { token } = (
      await admin(rootToken, 'POST', `/users/${robot.id}/service-tokens`, { expires_in_days: 1 })
    ).json();
    for (const [method, path, body] of [
      ['GET', '/users', undefined],
      ['POST', '/users', { username: 'x', email: 'x@example.com', is_admin: true }],
      ['PATCH', `/users/${robot.id}`, { permissions: ['admin'] }],
      ['POST', `/users/${robot.id}/service-tokens`, { expires_in_days: 365 }],
    ] as const) {
      const response = await admin(token, method, path, body);
      expect(response.statusCode, `${method} ${path}`).toBe(403);
      expect(response.json()).toEqual(forbidden);
    }
    expect((await server.services.users.get({ id: robot.id })).permissions).toEqual(['deploy']);
    // On the self-service API a service account owns no clients and has no profile to change.
    expect((await account(token, 'POST', '/clients', { name: 'k', kind: 'api_key' })).statusCode).toBe(400);
    expect((await account(token, 'PATCH', '/profile', { first_name: 'R' })).statusCode).toBe(400);
  });

  it("an OAuth client's tokens (access and refresh) and the session API's refresh token are refused on both APIs (401)", async (test) => {
    const { signIn, call, admin, tokenRequest, createOwn } = await securityServer(test);
    // An administrator's own personal client: its tokens still carry no administrator's power.
    const root = await signIn('root', adminPassword);
    const personal = await createOwn(root.token, { name: 'cli', kind: 'personal' });
    const granted = await tokenRequest(personal.client_id, personal.client_secret, {
      grant_type: 'password',
      username: 'root',
      password: adminPassword,
      scope: 'openid profile',
    });
    expect(granted.statusCode).toBe(200);
    const { access_token, refresh_token } = granted.json();
    const key = await createOwn(root.token, { name: 'k', kind: 'api_key', scopes: ['read:agents'] });
    const machine = (
      await tokenRequest(key.client_id, key.client_secret, { grant_type: 'client_credentials' })
    ).json().access_token as string;

    const tokens = { access_token, refresh_token, machine, session_refresh: root.refreshToken };
    for (const [name, token] of Object.entries(tokens)) {
      expect(token, name).toEqual(expect.any(String));
      for (const url of ['/admin/api/users', '/account/api/profile', '/account/api/clients']) {
        const response = await call('GET', url, bearer(token));
        expect(response.statusCode, `${name} on ${url}`).toBe(401);
        expect(response.json().errors[0].extensions.code).not.toBe('FORBIDDEN');
      }
      const change = await call('POST', '/account/api/password', bearer(token), {
        current_password: adminPassword,
        new_password: 'a new password 1',
      });
      expect(change.statusCode, name).toBe(401);
    }
    // The admin's session API token itself is admitted.
    expect((await admin(root.token, 'GET', '/users')).statusCode).toBe(200);
  });

  it('the route table the authorization matrix iterates holds every route of both APIs in the OpenAPI document', async (test) => {
    const { server } = await securityServer(test);
    const document = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/admin/api/') || path.startsWith('/account/api/'))
      .flatMap(([path, operations]) =>
        Object.keys(operations)
          .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      );
    const table = server.app.apiRoutes.map(
      (r: ApiRoute) => `${r.method} ${r.url.replace(/:([A-Za-z_]+)/g, '{$1}')}`,
    );
    expect([...table].sort()).toEqual([...documented].sort());
    // Every kind of state change is in it, on both APIs (the CSRF check runs on each).
    for (const access of ['admin', 'account'] as const) {
      const methods = new Set(server.app.apiRoutes.filter((r) => r.access === access).map((r) => r.method));
      for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) expect(methods).toContain(method);
    }
  });

  it("a cross-site request riding the browser's cookie changes nothing: DELETE, PATCH and POST, with or without a body", async (test) => {
    const { server, alice, signIn, account, createOwn, browser, me } = await securityServer(test);
    const a = await signIn('alice', alicePassword);
    const page = await browser(alice);
    const key = await createOwn(a.token, { name: 'k', kind: 'api_key' });
    const missing = envelope('Missing or invalid x-csrf-token header', 'FORBIDDEN');
    const forged: Array<{ method: Method; url: string; headers?: Headers; payload?: string }> = [
      { method: 'DELETE', url: `/account/api/sessions/${a.sid}` },
      { method: 'DELETE', url: `/account/api/clients/${key.client_id}` },
      { method: 'POST', url: '/account/api/sessions/end-others' },
      // What a cross-site form can send: a urlencoded or text/plain body.
      { method: 'POST', url: '/account/api/sessions/end-others', headers: formHeaders, payload: 'x=1' },
      {
        method: 'POST',
        url: `/account/api/clients/${key.client_id}/rotate`,
        headers: { 'content-type': 'text/plain' },
        payload: '{"overlap_seconds":0}',
      },
      {
        method: 'PATCH',
        url: '/account/api/profile',
        headers: { 'content-type': 'application/json' },
        payload: '{"email":"eve@evil.example"}',
      },
      {
        method: 'POST',
        url: '/account/api/password',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ current_password: alicePassword, new_password: 'eve password 1' }),
      },
      {
        method: 'POST',
        url: '/account/api/clients',
        headers: { 'content-type': 'application/json' },
        payload: '{"name":"eve","kind":"api_key"}',
      },
    ];
    for (const request of forged) {
      for (const csrf of [
        undefined,
        '',
        'x',
        page.csrf.toLowerCase() === page.csrf ? 'X' : page.csrf.toLowerCase(),
      ]) {
        const response = await server.app.inject({
          method: request.method,
          url: request.url,
          headers: {
            cookie: page.cookie,
            origin: 'https://evil.example',
            ...request.headers,
            ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }),
          },
          ...(request.payload === undefined ? {} : { payload: request.payload }),
        });
        expect(response.statusCode, `${request.method} ${request.url} csrf=${csrf}`).toBe(403);
        expect(response.json()).toEqual(missing);
        expect(response.headers['access-control-allow-origin']).toBeUndefined();
      }
    }
    expect((await me(a.token)).statusCode).toBe(200);
    const listed = (await account(a.token, 'GET', '/clients')).json().clients as Json[];
    expect(listed.map((c) => c.client_id)).toEqual([key.client_id]);
    expect((await server.services.users.get({ id: alice.id })).email).toBe('alice@example.com');
    await signIn('alice', alicePassword);
  });

  // ——— 3. Secrets ———

  it('answers every route of both APIs with Cache-Control: no-store, refused or not', async (test) => {
    const { server, signIn } = await securityServer(test);
    const table = server.app.apiRoutes;
    const rootToken = (await signIn('root', adminPassword)).token;
    const aliceToken = (await signIn('alice', alicePassword)).token;
    const failures: string[] = [];
    for (const route of table) {
      const url = route.url.replace(/:([A-Za-z_]+)/g, (_m, name: string) =>
        name === 'client_id' || name === 'name' ? `no-such-${randomToken(6)}` : randomUUID(),
      );
      const hasBody = route.method !== 'GET';
      for (const [who, headers] of [
        ['anonymous', {}],
        ['non-admin', bearer(aliceToken)],
        ['rightful', bearer(route.access === 'admin' ? rootToken : aliceToken)],
      ] as const) {
        // A GET of the rightful caller is harmless; skip the state changes that would end its session.
        const response = await server.app.inject({
          method: route.method as Method,
          url,
          headers: hasBody ? { ...headers, 'content-type': 'application/json' } : headers,
          ...(hasBody ? { payload: '{}' } : {}),
        });
        if (response.headers['cache-control'] !== 'no-store') {
          failures.push(
            `${who} ${route.method} ${route.url}: ${response.statusCode} ${response.headers['cache-control']}`,
          );
        }
      }
    }
    // A path under either API that names no route is an API answer too.
    for (const url of ['/account/api/nothing-here', '/admin/api/nothing-here']) {
      for (const headers of [{}, bearer(rootToken)]) {
        const response = await server.app.inject({ method: 'GET', url, headers });
        expect(response.statusCode).toBe(404);
        if (response.headers['cache-control'] !== 'no-store') failures.push(`GET ${url}: no no-store`);
      }
    }
    expect(failures).toEqual([]);
    expect(table.length).toBeGreaterThan(30);
  });

  it('shows a secret only when it is issued: never in a list, a read, the audit log or a log line', async (test) => {
    const { server, alice, signIn, account, admin, tokenRequest, createOwn } = await securityServer(test);
    const root = await signIn('root', adminPassword);
    const a = await signIn('alice', alicePassword);
    const secrets: string[] = [
      adminPassword,
      alicePassword,
      root.token,
      root.refreshToken,
      a.token,
      a.refreshToken,
    ];

    const key = await createOwn(a.token, { name: 'k', kind: 'api_key', scopes: ['read:agents'] });
    const personal = await createOwn(a.token, { name: 'p', kind: 'personal' });
    const rotated = (
      await account(a.token, 'POST', `/clients/${key.client_id}/rotate`, { overlap_seconds: 3600 })
    ).json().client_secret as string;
    secrets.push(key.client_secret, personal.client_secret, rotated);
    const keyToken = (await tokenRequest(key.client_id, rotated, { grant_type: 'client_credentials' })).json()
      .access_token as string;
    const personalTokens = (
      await tokenRequest(personal.client_id, personal.client_secret, {
        grant_type: 'password',
        username: 'alice',
        password: alicePassword,
        scope: 'openid',
      })
    ).json();
    secrets.push(keyToken, personalTokens.access_token, personalTokens.refresh_token);

    const registered = (
      await admin(root.token, 'POST', '/clients', {
        name: 'web',
        type: 'confidential',
        grant_types: ['client_credentials'],
      })
    ).json();
    const rotatedRegistered = (
      await admin(root.token, 'POST', `/clients/${registered.client_id}/rotate-secret`, {
        overlap_seconds: 60,
      })
    ).json().client_secret as string;
    secrets.push(registered.client_secret, rotatedRegistered);

    const carol = (
      await admin(root.token, 'POST', '/users', { username: 'carol', email: 'carol@example.com' })
    ).json();
    secrets.push(carol.password);
    expect(
      (await admin(root.token, 'POST', `/users/${carol.id}/password`, { password: 'carol password 2' }))
        .statusCode,
    ).toBe(204);
    secrets.push('carol password 2');
    const dave = (
      await admin(root.token, 'POST', '/users', {
        username: 'dave',
        email: 'dave@example.com',
        password: 'dave password 1',
      })
    ).json();
    secrets.push('dave password 1');
    const robot = (
      await admin(root.token, 'POST', '/users', {
        username: 'robot',
        email: 'r@example.com',
        is_service_account: true,
      })
    ).json();
    const serviceToken = (
      await admin(root.token, 'POST', `/users/${robot.id}/service-tokens`, { expires_in_days: 30 })
    ).json();
    secrets.push(serviceToken.token);
    expect(
      (
        await account(a.token, 'POST', '/password', {
          current_password: alicePassword,
          new_password: 'alice password 2',
        })
      ).statusCode,
    ).toBe(204);
    secrets.push('alice password 2');
    // A failed attempt too: what was typed is not logged either.
    await account(a.token, 'POST', '/password', {
      current_password: 'a wrong guess 12345',
      new_password: 'alice password 3',
    });
    secrets.push('a wrong guess 12345', 'alice password 3');

    // The stored hashes are secrets as well.
    const stores = createStores(server.database.handle.db);
    for (const id of [key.client_id, personal.client_id, registered.client_id]) {
      for (const secret of await stores.clients.secretsOf(id)) secrets.push(secret.hash);
    }
    for (const id of [alice.id, carol.id, dave.id]) {
      const hash = (await stores.users.findById(id))?.passwordHash;
      expect(hash).toEqual(expect.any(String));
      secrets.push(hash as string);
    }

    // Each one really was issued (an undefined would match the text 'undefined').
    for (const secret of secrets) expect(secret).toEqual(expect.stringMatching(/^.{8,}$/));

    const reads: Array<[string, Promise<{ statusCode: number; body: string }>]> = [
      ['own clients', account(a.token, 'GET', '/clients')],
      ['own sessions', account(a.token, 'GET', '/sessions')],
      ['own profile', account(a.token, 'GET', '/profile')],
      ['own consents', account(a.token, 'GET', '/consents')],
      ['clients', admin(root.token, 'GET', '/clients')],
      ['client', admin(root.token, 'GET', `/clients/${key.client_id}`)],
      ['registered client', admin(root.token, 'GET', `/clients/${registered.client_id}`)],
      ['users', admin(root.token, 'GET', '/users?limit=100')],
      ['user', admin(root.token, 'GET', `/users/${alice.id}`)],
      ['service accounts', admin(root.token, 'GET', '/service-accounts')],
      ['service tokens', admin(root.token, 'GET', `/users/${robot.id}/service-tokens`)],
      ['sessions', admin(root.token, 'GET', `/users/${alice.id}/sessions?include_ended=true`)],
      ['audit', admin(root.token, 'GET', '/audit-events?limit=100')],
      ['keys', admin(root.token, 'GET', '/keys')],
    ];
    for (const [name, pending] of reads) {
      const response = await pending;
      expect(response.statusCode, name).toBe(200);
      for (const secret of secrets) {
        expect(response.body.includes(secret), `${name} shows a secret`).toBe(false);
      }
    }
    const events = (await admin(root.token, 'GET', '/audit-events?limit=100')).json().events as Json[];
    expect(events.length).toBeGreaterThan(10);

    const logs = server.logs.join('\n');
    expect(server.logs.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(logs.includes(secret), 'a log line shows a secret').toBe(false);
  });

  // ——— 4. Password change ———

  it('a stolen session token cannot change the password: the current one is required, under the sign-in backoff', async (test) => {
    const { server, signIn, account } = await securityServer(test);
    const stolen = await signIn('alice', alicePassword);
    const missing = await account(stolen.token, 'POST', '/password', { new_password: 'eve password 1' });
    expect(missing.json()).toEqual(envelope('Missing required field: current_password', 'BAD_REQUEST'));
    const empty = await account(stolen.token, 'POST', '/password', {
      current_password: '',
      new_password: 'eve password 1',
    });
    expect(empty.statusCode).toBe(403);

    // Failures at /login and at the password change count in the one backoff: once it is on,
    // even the right current password waits (a thief cannot keep guessing through either door).
    for (let i = 0; i < 5; i += 1) {
      const failed = await server.app.inject({
        method: 'POST',
        url: '/login',
        payload: { username: 'alice', password: `guess ${i}` },
      });
      expect(failed.statusCode).toBe(401);
    }
    const change = () =>
      account(stolen.token, 'POST', '/password', {
        current_password: alicePassword,
        new_password: 'alice password 2',
      });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await account(stolen.token, 'POST', '/password', {
        current_password: `guess again ${i}`,
        new_password: 'eve password 1',
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toContain(429);
    const waiting = await change();
    expect(waiting.statusCode).toBe(429);
    expect(waiting.json().errors[0].extensions.code).toBe('RATE_LIMITED');
    // The password is unchanged: after the backoff, the right one still signs in.
    server.clock.advance(3600);
    const after = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'alice', password: alicePassword },
    });
    expect(after.statusCode).toBe(200);
  });

  it('a password change ends every other session: session API, browser and OAuth grants (their refresh tokens too)', async (test) => {
    const { alice, signIn, call, account, tokenRequest, createOwn, browser, me } = await securityServer(test);
    const current = await signIn('alice', alicePassword);
    const other = await signIn('alice', alicePassword);
    const page = await browser(alice);
    const personal = await createOwn(current.token, { name: 'p', kind: 'personal' });
    const granted = (
      await tokenRequest(personal.client_id, personal.client_secret, {
        grant_type: 'password',
        username: 'alice',
        password: alicePassword,
      })
    ).json();
    const bobs = await signIn('bob', bobPassword);

    const changed = await account(current.token, 'POST', '/password', {
      current_password: alicePassword,
      new_password: 'alice password 2',
    });
    expect(changed.statusCode).toBe(204);
    expect((await me(current.token)).statusCode).toBe(200);
    expect((await me(other.token)).statusCode).toBe(401);
    expect((await call('GET', '/account/api/profile', { cookie: page.cookie })).statusCode).toBe(401);
    const userinfo = await call('GET', '/oauth/userinfo', bearer(granted.access_token));
    expect(userinfo.statusCode).toBe(401);
    const refreshed = await tokenRequest(personal.client_id, personal.client_secret, {
      grant_type: 'refresh_token',
      refresh_token: granted.refresh_token,
    });
    expect(refreshed.json().error).toBe('invalid_grant');
    const session = await call('GET', '/token', bearer(other.refreshToken));
    expect(session.statusCode).toBe(401);
    expect((await me(bobs.token)).statusCode).toBe(200);
  });

  // ——— 5. Admin ———

  it('an administrator cannot give a permission that shadows a field of the user object', async (test) => {
    const { server, alice, signIn, account, admin } = await securityServer(test);
    const root = await signIn('root', adminPassword);
    const shadows = [
      ...Object.keys(adminUserJsonSchema.properties),
      // The user object of /oidc-login (SPEC) and names a JavaScript client would trip on.
      'oidc_issuer',
      'oidc_subject',
      '__proto__',
      'constructor',
    ];
    for (const name of shadows) {
      const created = await admin(root.token, 'POST', '/users', {
        username: `u${randomToken(6)}`,
        email: 'u@example.com',
        permissions: ['deploy', name],
      });
      expect(created.statusCode, `create with ${name}`).toBe(400);
      const robot = await admin(root.token, 'POST', '/service-accounts', {
        name: `r${randomToken(6)}`,
        permissions: [name],
      });
      expect(robot.statusCode, `service account with ${name}`).toBe(400);
      const updated = await admin(root.token, 'PATCH', `/users/${alice.id}`, { permissions: [name] });
      expect(updated.statusCode, `update with ${name}`).toBe(400);
      expect(updated.json().errors[0].extensions.code).toBe('BAD_REQUEST');
    }
    expect((await server.services.users.get({ id: alice.id })).permissions).toEqual([]);
    const profile = (await account((await signIn('alice', alicePassword)).token, 'GET', '/profile')).json();
    expect(profile).toMatchObject({ is_admin: false, email: 'alice@example.com' });
  });

  it("records the administrator's actions with the caller as actor, and its address", async (test) => {
    const { server, signIn, call, admin, browser } = await securityServer(test);
    const root = await signIn('root', adminPassword);
    const rootId = (await server.services.users.get('root')).id;
    const headers = { ...bearer(root.token), 'user-agent': 'admin-console/1.0' };
    const carol = (
      await call('POST', '/admin/api/users', headers, { username: 'carol', email: 'carol@example.com' })
    ).json();
    await call('POST', `/admin/api/users/${carol.id}/disable`, headers);
    const client = (
      await call('POST', '/admin/api/clients', headers, {
        name: 'web',
        type: 'confidential',
        grant_types: ['client_credentials'],
      })
    ).json();
    await call('POST', `/admin/api/clients/${client.client_id}/rotate-secret`, headers, {});
    await call('DELETE', `/admin/api/clients/${client.client_id}`, headers);
    // And a browser's: the same admin through the console.
    const page = await browser(await server.services.users.get('root'));
    await call('POST', `/admin/api/users/${carol.id}/enable`, {
      cookie: page.cookie,
      'x-csrf-token': page.csrf,
    });

    const events = (
      (await admin(root.token, 'GET', `/audit-events?actor=user:${rootId}&limit=100`)).json().events as Json[]
    ).filter((e) => !String(e.type).startsWith('login.'));
    expect(events.map((e) => e.type).sort()).toEqual(
      [
        'client.created',
        'client.deleted',
        'client.secret_rotated',
        'user.created',
        'user.disabled',
        'user.enabled',
      ].sort(),
    );
    for (const event of events) {
      expect(event).toMatchObject({ actor: `user:${rootId}`, ip: '127.0.0.1', outcome: 'success' });
    }
    expect(events.filter((e) => e.user_agent === 'admin-console/1.0')).toHaveLength(5);
  });
});
