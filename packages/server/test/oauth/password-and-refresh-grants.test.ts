import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import {
  basic,
  createPerson,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
} from '../helpers/test-server.js';

type Issued = { client: { id: string }; secret: string | undefined };

describeEachDialect('grant_type=password and grant_type=refresh_token', (dialect) => {
  let server: TestServer;
  let personal: Issued;
  let shared: Issued;

  beforeEach(async () => {
    server = await startTestServer(dialect);
    await createPerson(server.services, { username: 'alice' });
    await createPerson(server.services, { username: 'mallory' });
    await server.services.scopes.create('read:agents', {}, { actor: 'test' });
    personal = await server.services.clients.create(
      {
        name: 'alice-cli',
        type: 'confidential',
        grantTypes: ['password', 'refresh_token'],
        scopes: ['read:agents'],
        ownerUsername: 'alice',
      },
      { actor: 'test' },
    );
    shared = await server.services.clients.create(
      { name: 'shared', type: 'confidential', grantTypes: ['password'], scopes: ['read:agents'] },
      { actor: 'test' },
    );
  });
  afterEach(() => server.close());

  const token = (client: Issued, params: Record<string, string>) =>
    server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(client.client.id, client.secret as string) },
      payload: form(params),
    });
  const passwordGrant = (client: Issued, username: string, password = 'correct horse battery') =>
    token(client, { grant_type: 'password', username, password });

  it('a personal client obtains tokens for its owner, with user claims and a refresh token', async () => {
    const response = await passwordGrant(personal, 'alice');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_token',
      'scope',
      'token_type',
    ]);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read:agents' });
    const claims = await server.services.accessTokens.verify(body.access_token);
    const alice = await server.services.users.get('alice');
    expect(claims).toMatchObject({
      sub: alice.id,
      user_id: alice.id,
      type: 'user',
      client_id: personal.client.id,
    });
    expect(claims.sid).toEqual(expect.any(String));
  });

  it('a personal client cannot obtain tokens for another user', async () => {
    const response = await passwordGrant(personal, 'mallory');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid username or password',
    });
    const events = await server.services.audit.tail(5);
    expect(events.at(-1)).toMatchObject({
      type: 'login.failed',
      details: { reason: 'not_the_owner', via: 'password_grant' },
    });
  });

  it('a client without an owner may sign in anyone; wrong passwords are invalid_grant', async () => {
    expect((await passwordGrant(shared, 'mallory')).statusCode).toBe(200);
    const wrong = await passwordGrant(shared, 'mallory', 'wrong password');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toBe('invalid_grant');
    const missing = await token(shared, { grant_type: 'password', username: 'mallory' });
    expect(missing.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Missing required parameter: password',
    });
    // No refresh_token grant: no refresh token.
    expect((await passwordGrant(shared, 'mallory')).json().refresh_token).toBeUndefined();
  });

  it('a client not granted the password grant is refused', async () => {
    const machine = await server.services.clients.create(
      { name: 'm', type: 'confidential' },
      { actor: 'test' },
    );
    const response = await passwordGrant(machine, 'alice');
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('unauthorized_client');
  });

  it('refresh_token rotates, may narrow scope, is bound to its client, and detects reuse', async () => {
    const first = (await passwordGrant(personal, 'alice')).json();
    const second = await token(personal, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(second.statusCode).toBe(200);
    const body = second.json();
    expect(body.refresh_token).not.toBe(first.refresh_token);
    expect(body.scope).toBe('read:agents');

    const narrowed = await token(personal, {
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token,
      scope: '',
    });
    expect(narrowed.statusCode).toBe(200);
    const wider = await token(personal, {
      grant_type: 'refresh_token',
      refresh_token: narrowed.json().refresh_token,
      scope: 'read:agents admin',
    });
    expect(wider.statusCode).toBe(400);
    expect(wider.json().error).toBe('invalid_scope');

    // Another client presenting this client's refresh token gets nothing.
    const other = await server.services.clients.create(
      { name: 'other', type: 'confidential', grantTypes: ['password', 'refresh_token'] },
      { actor: 'test' },
    );
    const stolen = await token(other, {
      grant_type: 'refresh_token',
      refresh_token: narrowed.json().refresh_token,
    });
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json().error).toBe('invalid_grant');

    // Replay of the first token after the grace window ends the session.
    server.clock.advance(11);
    const replay = await token(personal, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(replay.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'the refresh token is reused',
    });
    const after = await token(personal, {
      grant_type: 'refresh_token',
      refresh_token: narrowed.json().refresh_token,
    });
    expect(after.json().error).toBe('invalid_grant');
    const introspection = await server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...formHeaders, authorization: basic(personal.client.id, personal.secret as string) },
      payload: form({ token: body.access_token }),
    });
    expect(introspection.json()).toEqual({ active: false });
  });
});

describeEachDialect('service accounts over HTTP', (dialect) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(dialect);
  });
  afterEach(() => server.close());

  it('a service token works on /me and introspection until the account is disabled', async () => {
    await server.services.scopes.create('read:agents', {}, { actor: 'test' });
    const account = await server.services.users.createServiceAccount(
      { name: 'robot', scopes: ['read:agents'], permissions: ['can_run_pipelines'] },
      { actor: 'cli' },
    );
    const issued = await server.services.users.issueServiceToken('robot', 365, { actor: 'cli' });
    expect(issued.accessToken.expiresIn).toBe(365 * 86_400);
    const me = () =>
      server.app.inject({
        method: 'GET',
        url: '/me',
        headers: { authorization: `Bearer ${issued.accessToken.token}` },
      });
    const owner = await server.services.clients.create(
      { name: 'rs', type: 'confidential', introspection: true },
      { actor: 'test' },
    );
    const introspect = async () =>
      (
        await server.app.inject({
          method: 'POST',
          url: '/oauth/introspect',
          headers: { ...formHeaders, authorization: basic(owner.client.id, owner.secret as string) },
          payload: form({ token: issued.accessToken.token }),
        })
      ).json();

    expect((await me()).json()).toMatchObject({ username: 'robot', can_run_pipelines: true });
    expect(await introspect()).toMatchObject({ active: true, scope: 'read:agents', sub: account.id });
    const claims = await server.services.accessTokens.verify(issued.accessToken.token);
    expect(claims.type).toBe('service');

    await server.services.users.setDisabled('robot', true, { actor: 'cli' });
    expect((await me()).statusCode).toBe(401);
    expect(await introspect()).toEqual({ active: false });

    const events = await server.services.audit.tail(10);
    for (const type of ['service_account.created', 'service_account.token_issued', 'user.disabled']) {
      expect(events.find((e) => e.type === type)?.subject).toBe(`service:${account.id}`);
    }
  });

  it('a service account cannot log in with a password', async () => {
    await server.services.users.createServiceAccount({ name: 'robot' }, { actor: 'cli' });
    const response = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'robot', password: 'anything-at-all' },
    });
    expect(response.statusCode).toBe(401);
  });
});

describeEachDialect('revoking a refresh token (RFC 7009)', (dialect) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(dialect);
  });
  afterEach(() => server.close());

  it('ends the grant: the refresh token and the access tokens of its session stop working', async () => {
    await createPerson(server.services, { username: 'alice' });
    const client = await server.services.clients.create(
      { name: 'cli', type: 'confidential', grantTypes: ['password', 'refresh_token'] },
      { actor: 'test' },
    );
    const auth = { ...formHeaders, authorization: basic(client.client.id, client.secret as string) };
    const issued = (
      await server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: auth,
        payload: form({ grant_type: 'password', username: 'alice', password: 'correct horse battery' }),
      })
    ).json();
    const other = await server.services.clients.create(
      { name: 'other', type: 'confidential' },
      { actor: 'test' },
    );
    const foreign = await server.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { ...formHeaders, authorization: basic(other.client.id, other.secret as string) },
      payload: form({ token: issued.refresh_token, token_type_hint: 'refresh_token' }),
    });
    expect(foreign.statusCode).toBe(400);

    const revoked = await server.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: auth,
      payload: form({ token: issued.refresh_token }),
    });
    expect(revoked.statusCode).toBe(200);
    const refreshed = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: auth,
      payload: form({ grant_type: 'refresh_token', refresh_token: issued.refresh_token }),
    });
    expect(refreshed.json().error).toBe('invalid_grant');
    const introspection = await server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: auth,
      payload: form({ token: issued.access_token }),
    });
    expect(introspection.json()).toEqual({ active: false });
  });
});
