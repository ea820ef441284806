import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import { createPerson } from '../helpers/test-server.js';
import {
  answer,
  type ListeningServer,
  sessionError,
  sleep,
  startListeningServer,
} from './listening-server.js';

/**
 * Issue 8 item 2 over HTTP, in real time: GET /token accepts only the session's newest access
 * token; the second-newest presented after the newest exists is a replay, forgiven (same
 * successor) inside the grace window and revoking the session outside it.
 */
const invalid = sessionError('Invalid authentication token', 'UNAUTHENTICATED');

function sessionApi(baseUrl: string) {
  const call = async (method: string, path: string, token?: string) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' && token === undefined
        ? { body: JSON.stringify({ username: 'alice', password: 'correct horse battery' }) }
        : {}),
    });
    return answer(response);
  };
  return {
    login: () => call('POST', '/login'),
    refresh: (token: string) => call('GET', '/token', token),
    me: (token: string) => call('GET', '/me', token),
  };
}

const payload = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as {
    jti: string;
    sid: string;
  };

describeEachDialect(
  'compat: access-token replay outside the grace window (TESSERA_REFRESH_GRACE=1)',
  (dialect) => {
    let listening: ListeningServer;
    beforeAll(async () => {
      listening = await startListeningServer(dialect, { TESSERA_REFRESH_GRACE: '1' });
      await createPerson(listening.server.services);
    });
    afterAll(() => listening.close());

    it('the second-newest access token presented after the newest exists revokes the session', async () => {
      const api = sessionApi(listening.baseUrl);
      // Session A: the newest access token came from GET /token with the access token.
      const a = (await api.login()).body;
      const aNext = await api.refresh(a.access_token);
      expect(aNext.status).toBe(200);
      const aNewest = aNext.body.access_token;
      expect(payload(aNewest).sid).toBe(payload(a.access_token).sid);
      expect((await api.me(aNewest)).status).toBe(200);
      // Session B: the newest came from a refresh-token refresh (another client of the session).
      const b = (await api.login()).body;
      const bNext = await api.refresh(b.refresh_token);
      expect(bNext.status).toBe(200);
      const bNewest = bNext.body.access_token;
      expect((await api.me(bNewest)).status).toBe(200);

      // One wait, bounded, past the 1 s grace window for both sessions.
      await sleep(1_500);

      expect(await api.refresh(a.access_token)).toEqual({ status: 401, body: invalid });
      // The whole session is gone: the newest access token and the refresh token too.
      expect(await api.me(aNewest)).toEqual({ status: 401, body: invalid });
      expect(await api.refresh(aNewest)).toEqual({ status: 401, body: invalid });
      expect(await api.refresh(a.refresh_token)).toEqual({ status: 401, body: invalid });
      const events = await listening.server.services.audit.tail(20);
      expect(
        events.find(
          (e) =>
            e.type === 'refresh.reuse_detected' && e.subject === `session:${payload(a.access_token).sid}`,
        ),
      ).toMatchObject({ details: { token: 'access_token' } });

      expect(await api.refresh(b.access_token)).toEqual({ status: 401, body: invalid });
      expect(await api.me(bNewest)).toEqual({ status: 401, body: invalid });
      expect(await api.refresh(bNext.body.refresh_token)).toEqual({ status: 401, body: invalid });
    });
  },
);

describeEachDialect('compat: access-token replay inside the grace window (default 10 s)', (dialect) => {
  let listening: ListeningServer;
  beforeAll(async () => {
    listening = await startListeningServer(dialect);
    await createPerson(listening.server.services);
  });
  afterAll(() => listening.close());

  it('two callers refreshing with the same access token both get working tokens', async () => {
    const api = sessionApi(listening.baseUrl);
    const { access_token: first } = (await api.login()).body;

    // Two tabs of the same app refresh at once with the token they share.
    const [one, two] = await Promise.all([api.refresh(first), api.refresh(first)]);
    expect(one.status).toBe(200);
    expect(two.status).toBe(200);
    // The same successor, not a fork of the session.
    expect(payload(one.body.access_token).jti).toBe(payload(two.body.access_token).jti);
    expect((await api.me(one.body.access_token)).status).toBe(200);
    expect((await api.me(two.body.access_token)).status).toBe(200);

    // A late caller with the superseded token, still inside the window, gets it as well.
    await sleep(300);
    const late = await api.refresh(first);
    expect(late.status).toBe(200);
    expect(payload(late.body.access_token).jti).toBe(payload(one.body.access_token).jti);
    expect((await api.me(late.body.access_token)).status).toBe(200);

    // And the newest keeps refreshing the session.
    const after = await api.refresh(one.body.access_token);
    expect(after.status).toBe(200);
    expect((await api.me(after.body.access_token)).status).toBe(200);
  });
});
