import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { hashPassword } from '../../src/platform/password-hash.js';
import { createStores } from '../../src/storage/repositories/index.js';
import { describeEachDialect } from '../helpers/databases.js';
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

const envelope = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });

describeEachDialect('session API', (dialect) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(dialect);
  });
  afterEach(() => server.close());

  const login = (username: string, password: string) =>
    server.app.inject({ method: 'POST', url: '/login', payload: { username, password } });
  const me = (token: string) =>
    server.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
  const refresh = (token: string) =>
    server.app.inject({ method: 'GET', url: '/token', headers: { authorization: `Bearer ${token}` } });
  const logout = (token: string) =>
    server.app.inject({ method: 'POST', url: '/logout', headers: { authorization: `Bearer ${token}` } });
  async function introspect(token: string) {
    const rs = await createMachineClient(server.services, {
      name: `rs-${Math.random()}`,
      introspection: true,
    });
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...formHeaders, authorization: basic(rs.clientId, rs.clientSecret) },
      payload: form({ token }),
    });
    return response.json();
  }

  it('POST /login answers the user object (permissions also as booleans), an access and a refresh token', async () => {
    const { user, password } = await createPerson(server.services, {
      permissions: ['can_run_pipelines'],
      groups: ['staff'],
    });
    const response = await login('alice', password);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toEqual({
      user: {
        id: user.id,
        username: 'alice',
        email: 'alice@example.com',
        first_name: 'Alice',
        last_name: 'Liddell',
        is_admin: false,
        groups: ['staff'],
        permissions: ['can_run_pipelines'],
        can_run_pipelines: true,
      },
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toContain(`tessera_refresh=${body.refresh_token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/token/);

    const jwks = (await server.app.inject({ method: 'GET', url: '/oauth/jwks' })).json();
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
      typ: 'at+jwt',
      currentDate: server.clock.now(),
    });
    expect(payload).toMatchObject({
      sub: user.id,
      user_id: user.id,
      type: 'user',
      client_id: 'tessera',
      sid: expect.any(String),
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
    const session = await server.services.sessions.findSession(payload.sid as string);
    expect(session?.kind).toBe('api');
  });

  it('login is case-insensitive on the username and an admin has type admin', async () => {
    const { password } = await createPerson(server.services, { username: 'Bob', isAdmin: true });
    const response = await login('bob', password);
    expect(response.statusCode).toBe(200);
    expect(response.json().user).toMatchObject({ username: 'Bob', is_admin: true });
    const claims = await server.services.accessTokens.verify(response.json().access_token);
    expect(claims.type).toBe('admin');
  });

  it('a wrong password and an unknown user get the same 401 INVALID_CREDENTIALS', async () => {
    await createPerson(server.services);
    const wrong = await login('alice', 'not the password');
    const unknown = await login('nobody', 'not the password');
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(envelope('Invalid username or password', 'INVALID_CREDENTIALS'));
    }
    const events = await server.services.audit.tail(10);
    expect(events.filter((e) => e.type === 'login.failed')).toHaveLength(2);
  });

  it('a disabled user cannot log in', async () => {
    const { password } = await createPerson(server.services);
    await server.services.users.setDisabled('alice', true, { actor: 'test' });
    const response = await login('alice', password);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual(envelope('Account is disabled', 'FORBIDDEN'));
  });

  it('bad login bodies get 400 BAD_REQUEST in the envelope and write nothing', async () => {
    const before = await databaseSnapshot(server.database.handle.db);
    const missing = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'alice' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual(envelope('Missing required field: password', 'BAD_REQUEST'));
    const wrongType = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'alice', password: 5 },
    });
    expect(wrongType.json()).toEqual(envelope("Field 'password' must be a string", 'BAD_REQUEST'));
    const broken = await server.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().errors[0].extensions.code).toBe('BAD_REQUEST');
    const text = await server.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'x',
    });
    expect(text.statusCode).toBe(400);
    expect(await databaseSnapshot(server.database.handle.db)).toEqual(before);
  });

  it('GET /me answers the user; missing, malformed and expired tokens get their exact 401', async () => {
    const { password } = await createPerson(server.services, { permissions: ['can_deploy'] });
    const { access_token } = (await login('alice', password)).json();
    const ok = await me(access_token);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ username: 'alice', can_deploy: true, permissions: ['can_deploy'] });

    const none = await server.app.inject({ method: 'GET', url: '/me' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual(envelope('Authentication required', 'UNAUTHENTICATED'));
    expect((await me('garbage')).json()).toEqual(envelope('Invalid authentication token', 'UNAUTHENTICATED'));
    const [h, p] = access_token.split('.');
    expect((await me(`${h}.${p}.AAAA`)).json()).toEqual(
      envelope('Invalid authentication token', 'UNAUTHENTICATED'),
    );

    server.clock.advance(301);
    const expired = await me(access_token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toEqual(envelope('Token has expired', 'UNAUTHENTICATED'));
  });

  it('a client-credentials token is not a user token for /me', async () => {
    const machine = await createMachineClient(server.services);
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(machine.clientId, machine.clientSecret) },
      payload: form({ grant_type: 'client_credentials' }),
    });
    expect((await me(response.json().access_token)).json()).toEqual(
      envelope('Invalid authentication token', 'UNAUTHENTICATED'),
    );
  });

  it('GET /token rotates the refresh token (Bearer or cookie) and keeps the session', async () => {
    const { password } = await createPerson(server.services);
    const first = (await login('alice', password)).json();
    const second = await refresh(first.refresh_token);
    expect(second.statusCode).toBe(200);
    const body = second.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'refresh_token']);
    expect(body.refresh_token).not.toBe(first.refresh_token);
    const sid = (await server.services.accessTokens.verify(first.access_token)).sid;
    expect((await server.services.accessTokens.verify(body.access_token)).sid).toBe(sid);
    expect((await me(body.access_token)).statusCode).toBe(200);

    const viaCookie = await server.app.inject({
      method: 'GET',
      url: '/token',
      headers: { cookie: `tessera_refresh=${body.refresh_token}` },
    });
    expect(viaCookie.statusCode).toBe(200);
    expect(String(viaCookie.headers['set-cookie'])).toContain(viaCookie.json().refresh_token);
  });

  it('GET /token refuses a missing or unknown refresh token with 401 UNAUTHENTICATED', async () => {
    const none = await server.app.inject({ method: 'GET', url: '/token' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual(envelope('Authentication required', 'UNAUTHENTICATED'));
    expect((await refresh('x'.repeat(43))).json()).toEqual(
      envelope('Invalid authentication token', 'UNAUTHENTICATED'),
    );
  });

  it('refresh tokens slide but expire: after 7 days unused the refresh token is refused', async () => {
    const { password } = await createPerson(server.services);
    const first = (await login('alice', password)).json();
    server.clock.advance(6 * 86_400);
    const second = await refresh(first.refresh_token);
    expect(second.statusCode).toBe(200);
    server.clock.advance(6 * 86_400);
    expect((await refresh(second.json().refresh_token)).statusCode).toBe(200);
    server.clock.advance(7 * 86_400 + 1);
    const expired = await refresh('x'.repeat(43));
    expect(expired.statusCode).toBe(401);
  });

  it('a rotated refresh token replayed after the grace window revokes the whole session', async () => {
    const { password } = await createPerson(server.services);
    const first = (await login('alice', password)).json();
    const second = (await refresh(first.refresh_token)).json();
    server.clock.advance(11);
    const replay = await refresh(first.refresh_token);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toEqual(envelope('Invalid authentication token', 'UNAUTHENTICATED'));
    // Everything of the session is dead: both access tokens and the newest refresh token.
    expect((await me(second.access_token)).statusCode).toBe(401);
    expect((await me(first.access_token)).statusCode).toBe(401);
    expect((await refresh(second.refresh_token)).statusCode).toBe(401);
    expect(await introspect(second.access_token)).toEqual({ active: false });
    const events = await server.services.audit.tail(20);
    expect(events.find((e) => e.type === 'refresh.reuse_detected')).toMatchObject({ outcome: 'failure' });
  });

  it('20 parallel refreshes of one token inside the grace window all succeed in the same session', async () => {
    const { password } = await createPerson(server.services);
    const first = (await login('alice', password)).json();
    const sid = (await server.services.accessTokens.verify(first.access_token)).sid;
    const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(first.refresh_token)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    const bodies = responses.map((r) => r.json());
    // Rotation is idempotent inside the window: every caller gets the same successor, one chain.
    expect(new Set(bodies.map((b) => b.refresh_token)).size).toBe(1);
    for (const body of bodies) {
      expect((await server.services.accessTokens.verify(body.access_token)).sid).toBe(sid);
      expect((await me(body.access_token)).statusCode).toBe(200);
    }
    // Every returned refresh token is itself usable.
    for (const body of bodies) expect((await refresh(body.refresh_token)).statusCode).toBe(200);

    // The same token after the window is a replay: the session ends.
    server.clock.advance(11);
    expect((await refresh(first.refresh_token)).statusCode).toBe(401);
    for (const body of bodies) expect((await me(body.access_token)).statusCode).toBe(401);
  });

  // Issue 13 item 5: callers that raced one refresh each got a different access token, and any but
  // the newest presented to GET /token seconds later revoked the whole session as a replay.
  it('50 concurrent refreshes of one token share one access token, which later refreshes without a revocation', async () => {
    const { password } = await createPerson(server.services);
    const first = (await login('alice', password)).json();
    const responses = await Promise.all(Array.from({ length: 50 }, () => refresh(first.refresh_token)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
    const bodies = responses.map((r) => r.json());
    const jtis = new Set(bodies.map((b) => decodeJwt(b.access_token).jti));
    expect(jtis.size).toBe(1);
    expect(new Set(bodies.map((b) => b.refresh_token)).size).toBe(1);

    // Seconds later, outside the grace window: every caller's access token is the session's newest.
    server.clock.advance(30);
    const later = await refresh(bodies[17].access_token);
    expect(later.statusCode).toBe(200);
    expect((await me(later.json().access_token)).statusCode).toBe(200);
    const events = await server.services.audit.tail(50);
    expect(events.some((e) => e.type === 'refresh.reuse_detected')).toBe(false);
  });

  it('POST /logout ends the session: access token, refresh token and introspection all refuse at once', async () => {
    const { password } = await createPerson(server.services);
    const tokens = (await login('alice', password)).json();
    const other = (await login('alice', password)).json();
    const response = await logout(tokens.access_token);
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['set-cookie'])).toMatch(/tessera_refresh=; .*Max-Age=0/);
    expect((await me(tokens.access_token)).json()).toEqual(
      envelope('Invalid authentication token', 'UNAUTHENTICATED'),
    );
    expect((await refresh(tokens.refresh_token)).statusCode).toBe(401);
    expect(await introspect(tokens.access_token)).toEqual({ active: false });
    expect((await logout(tokens.access_token)).statusCode).toBe(401);
    // Another session of the same user is untouched.
    expect((await me(other.access_token)).statusCode).toBe(200);
  });

  it('disabling a user stops their live tokens on /me and introspection', async () => {
    const { password } = await createPerson(server.services);
    const tokens = (await login('alice', password)).json();
    expect((await introspect(tokens.access_token)).active).toBe(true);
    await server.services.users.setDisabled('alice', true, { actor: 'test' });
    expect((await me(tokens.access_token)).statusCode).toBe(401);
    expect(await introspect(tokens.access_token)).toEqual({ active: false });
    expect((await refresh(tokens.refresh_token)).statusCode).toBe(401);
    await server.services.users.setDisabled('alice', false, { actor: 'test' });
    // Sessions ended by disabling stay ended.
    expect((await me(tokens.access_token)).statusCode).toBe(401);
  });

  it('introspection of a user token names the user and the session', async () => {
    const { user, password } = await createPerson(server.services);
    const tokens = (await login('alice', password)).json();
    expect(await introspect(tokens.access_token)).toMatchObject({
      active: true,
      sub: user.id,
      username: 'alice',
      client_id: 'tessera',
      sid: expect.any(String),
    });
  });

  it('rehashes a password made with older argon2 parameters on login', async () => {
    const { user, password } = await createPerson(server.services);
    const { hash } = await import('@node-rs/argon2');
    const weak = await hash(password, { memoryCost: 4096, timeCost: 1, parallelism: 1 });
    const stores = createStores(server.database.handle.db);
    await stores.users.update({ ...user, passwordHash: weak });
    expect((await login('alice', password)).statusCode).toBe(200);
    const stored = await stores.users.findById(user.id);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await login('alice', password)).statusCode).toBe(200);
    expect(await hashPassword('x')).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('no password or token reaches the logs', async () => {
    const { password } = await createPerson(server.services);
    const tokens = (await login('alice', password)).json();
    await login('alice', 'wrong-password-123');
    const refreshed = (await refresh(tokens.refresh_token)).json();
    await me(refreshed.access_token);
    await logout(refreshed.access_token);
    const logs = server.logs.join('\n');
    for (const secret of [
      password,
      'wrong-password-123',
      tokens.access_token,
      tokens.refresh_token,
      refreshed.refresh_token,
    ]) {
      expect(logs).not.toContain(secret);
    }
    const audit = JSON.stringify(await server.services.audit.tail(100));
    for (const secret of [password, 'wrong-password-123', tokens.refresh_token, refreshed.refresh_token]) {
      expect(audit).not.toContain(secret);
    }
  });
});
