import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

const invalid = {
  errors: [{ message: 'Invalid authentication token', extensions: { code: 'UNAUTHENTICATED' } }],
};

describeEachDialect('GET /token with the access token (issue 8)', (dialect) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(dialect);
    await createPerson(server.services);
  });
  afterEach(() => server.close());

  const login = async () =>
    (
      await server.app.inject({
        method: 'POST',
        url: '/login',
        payload: { username: 'alice', password: 'correct horse battery' },
      })
    ).json();
  const refresh = (token: string) =>
    server.app.inject({ method: 'GET', url: '/token', headers: { authorization: `Bearer ${token}` } });
  const me = (token: string) =>
    server.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
  const jti = async (token: string) =>
    (await server.services.accessTokens.verify(token, { acceptExpiredFor: 10_000 })).jti;

  it('an expired newest access token refreshes into a new one in the same session', async () => {
    const { access_token: first } = await login();
    server.clock.advance(301);
    expect((await me(first)).json().errors[0].message).toBe('Token has expired');
    const response = await refresh(first);
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json())).toEqual(['access_token']);
    const second = response.json().access_token;
    expect((await me(second)).statusCode).toBe(200);
    const sid = async (t: string) =>
      (await server.services.accessTokens.verify(t, { acceptExpiredFor: 10_000 })).sid;
    expect(await sid(second)).toBe(await sid(first));
    // The newest keeps working as the key to the next one.
    const third = (await refresh(second)).json().access_token;
    expect((await me(third)).statusCode).toBe(200);
  });

  it('the superseded token inside the grace window gets the same successor; after it, a replay revokes the session', async () => {
    const { access_token: first, refresh_token } = await login();
    const second = (await refresh(first)).json().access_token;
    server.clock.advance(5);
    const again = await refresh(first);
    expect(again.statusCode).toBe(200);
    expect(await jti(again.json().access_token)).toBe(await jti(second));
    expect((await me(again.json().access_token)).statusCode).toBe(200);
    expect((await me(second)).statusCode).toBe(200);

    server.clock.advance(6);
    const replay = await refresh(first);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toEqual(invalid);
    expect((await me(second)).json()).toEqual(invalid);
    expect(
      (
        await server.app.inject({
          method: 'GET',
          url: '/token',
          headers: { authorization: `Bearer ${refresh_token}` },
        })
      ).statusCode,
    ).toBe(401);
    const events = await server.services.audit.tail(5);
    expect(events.find((e) => e.type === 'refresh.reuse_detected')?.details).toMatchObject({
      token: 'access_token',
    });
  });

  it('a logged-out session, a foreign or forged token, and a client-credentials token are refused', async () => {
    const { access_token } = await login();
    await server.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect((await refresh(access_token)).json()).toEqual(invalid);
    const [h, p] = (await login()).access_token.split('.');
    expect((await refresh(`${h}.${p}.AAAA`)).json()).toEqual(invalid);
    const machine = await server.services.clients.create(
      { name: 'm', type: 'confidential' },
      { actor: 'test' },
    );
    const cc = server.services.accessTokens.issue({
      subject: machine.client.id,
      clientId: machine.client.id,
      scope: [],
      audience: 'x',
      ttlSeconds: 60,
    });
    expect((await refresh(cc.token)).json()).toEqual(invalid);
  });

  it('is refused once the refresh lifetime of the session is over', async () => {
    const { access_token } = await login();
    server.clock.advance(7 * 86_400 + 1);
    expect((await refresh(access_token)).statusCode).toBe(401);
  });
});

describeEachDialect('GET /token with access tokens turned off', (dialect) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(dialect, { env: { TESSERA_SESSION_ACCESS_TOKEN_REFRESH: 'false' } });
    await createPerson(server.services);
  });
  afterEach(() => server.close());

  it('accepts refresh tokens only', async () => {
    const { access_token, refresh_token } = (
      await server.app.inject({
        method: 'POST',
        url: '/login',
        payload: { username: 'alice', password: 'correct horse battery' },
      })
    ).json();
    const byAccess = await server.app.inject({
      method: 'GET',
      url: '/token',
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(byAccess.json()).toEqual(invalid);
    const byRefresh = await server.app.inject({
      method: 'GET',
      url: '/token',
      headers: { authorization: `Bearer ${refresh_token}` },
    });
    expect(byRefresh.statusCode).toBe(200);
  });
});
