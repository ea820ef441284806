import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import { createPerson } from '../helpers/test-server.js';
import {
  type Answer,
  answer,
  type ListeningServer,
  sessionError,
  sleep,
  startListeningServer,
} from './listening-server.js';

/**
 * A browser-style client of the session API written from issue 8's description of existing
 * clients, not from Tessera's code: it keeps only the access token (no cookies: Node's fetch has
 * no jar), reads `user.*` from /login and /me, and when /me answers "Token has expired" it calls
 * `GET /token` with that same, expired access token as the bearer and reads `access_token`.
 */
class BrowserStyleClient {
  accessToken: string | undefined;
  readonly #baseUrl: string;

  constructor(baseUrl: string) {
    this.#baseUrl = baseUrl;
  }

  async login(username: string, password: string): Promise<Answer> {
    const response = await fetch(`${this.#baseUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const result = await answer(response);
    if (response.ok) this.accessToken = result.body.access_token;
    return result;
  }

  me(): Promise<Answer> {
    return this.#call('GET', '/me');
  }

  /** The documented refresh: GET /token with the current (often just expired) access token. */
  async refresh(): Promise<Answer> {
    const result = await this.#call('GET', '/token');
    if (result.status === 200) this.accessToken = result.body.access_token;
    return result;
  }

  logout(): Promise<Answer> {
    return this.#call('POST', '/logout');
  }

  /** What the app does on every call: on "Token has expired", refresh once with GET /token and retry. */
  async meWithRefresh(): Promise<{ first: Answer; refresh?: Answer; retried?: Answer }> {
    const first = await this.me();
    if (first.status !== 401 || first.body.errors?.[0]?.message !== 'Token has expired') return { first };
    const refresh = await this.refresh();
    if (refresh.status !== 200) return { first, refresh };
    return { first, refresh, retried: await this.me() };
  }

  async #call(method: string, path: string): Promise<Answer> {
    const response = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.accessToken}`, accept: 'application/json' },
    });
    return answer(response);
  }
}

describeEachDialect('compat: browser-style session API client', (dialect) => {
  let listening: ListeningServer;
  beforeAll(async () => {
    listening = await startListeningServer(dialect, { TESSERA_SESSION_ACCESS_TTL: '2' });
    await createPerson(listening.server.services, { permissions: ['can_run_pipelines'], groups: ['staff'] });
  });
  afterAll(() => listening.close());

  it('refreshes an expired access token through GET /token, retries /me, then logs out', async () => {
    const client = new BrowserStyleClient(listening.baseUrl);

    const wrong = await client.login('alice', 'not the password');
    expect(wrong).toEqual({
      status: 401,
      body: sessionError('Invalid username or password', 'INVALID_CREDENTIALS'),
    });

    const login = await client.login('alice', 'correct horse battery');
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({
      username: 'alice',
      groups: ['staff'],
      can_run_pipelines: true,
    });
    const first = client.accessToken as string;
    const me = await client.me();
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'alice', groups: ['staff'], can_run_pipelines: true });

    // Access TTL is 2 s; real time passes (bounded) until /me reports the token expired.
    const deadline = Date.now() + 5_000;
    let expired = await client.me();
    while (expired.status === 200 && Date.now() < deadline) {
      await sleep(250);
      expired = await client.me();
    }
    expect(expired).toEqual({ status: 401, body: sessionError('Token has expired', 'UNAUTHENTICATED') });

    // The app's own retry path: /me → 401 "Token has expired" → GET /token with it → /me again.
    const { first: again, refresh, retried } = await client.meWithRefresh();
    expect(again).toEqual(expired);
    expect(refresh).toEqual({ status: 200, body: { access_token: expect.any(String) } });
    expect(client.accessToken).not.toBe(first);
    expect(retried?.status).toBe(200);
    expect(retried?.body).toMatchObject({ username: 'alice', groups: ['staff'], can_run_pipelines: true });

    const logout = await client.logout();
    expect(logout.status).toBe(200);
    expect(await client.me()).toEqual({
      status: 401,
      body: sessionError('Invalid authentication token', 'UNAUTHENTICATED'),
    });
    expect(await client.refresh()).toEqual({
      status: 401,
      body: sessionError('Invalid authentication token', 'UNAUTHENTICATED'),
    });
  });

  it('a malformed or forged token is "Invalid authentication token"', async () => {
    const client = new BrowserStyleClient(listening.baseUrl);
    expect((await client.login('alice', 'correct horse battery')).status).toBe(200);
    const [header, payload] = (client.accessToken as string).split('.');
    for (const bad of ['not-a-jwt', `${header}.${payload}.AAAA`]) {
      client.accessToken = bad;
      expect(await client.me()).toEqual({
        status: 401,
        body: sessionError('Invalid authentication token', 'UNAUTHENTICATED'),
      });
    }
  });
});
