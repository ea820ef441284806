import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { transactionRunner } from '../../src/storage/repositories/index.js';
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

// Issue 15, item 2: a refresh locked the refresh-token row and then the session row, while logout
// and reuse detection locked them the other way round. On PostgreSQL that deadlocked (40P01):
// 500s, and logouts that left the session alive. Every race below mixes refreshes of one session
// (the same token many times, and successive ones) with the ways a session ends.

const rounds = 20;
/** Past TESSERA_REFRESH_GRACE (10 s): a rotated refresh token presented now is a replay. */
const pastGrace = 11_000;

type Response = LightMyRequestResponse;
type Client = { id: string; secret: string };

/** A small seeded generator, so that a failing interleaving can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describeEachDialect('one lock order: refreshes race logout, revocation and reuse detection', (dialect) => {
  let server: TestServer;
  let client: Client;
  let resourceServer: { clientId: string; clientSecret: string };
  /** Every answer of the current test: none may be a 5xx. */
  const answers: Response[] = [];

  beforeAll(async () => {
    // The races are about locks, not request budgets: no rate limits and no sign-in backoff here.
    server = await startTestServer(dialect, { env: { TESSERA_RATE_LIMITING: 'false' } });
    await createPerson(server.services, { username: 'alice' });
    await createPerson(server.services, { username: 'bob' });
    const issued = await server.services.clients.create(
      {
        name: 'alice-cli',
        type: 'confidential',
        grantTypes: ['password', 'refresh_token'],
        scopes: [],
        ownerUsername: 'alice',
      },
      { actor: 'test' },
    );
    client = { id: issued.client.id, secret: issued.secret as string };
    resourceServer = await createMachineClient(server.services, { name: 'rs', introspection: true });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    answers.length = 0;
  });

  const send = async (request: InjectOptions): Promise<Response> => {
    const response = await server.app.inject(request);
    answers.push(response);
    return response;
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const login = async (username = 'alice') => {
    const response = await send({
      method: 'POST',
      url: '/login',
      payload: { username, password: 'correct horse battery' },
    });
    expect(response.statusCode).toBe(200);
    return response.json() as { access_token: string; refresh_token: string };
  };
  const sessionRefresh = (token: string) => send({ method: 'GET', url: '/token', headers: bearer(token) });
  const logout = (token: string) => send({ method: 'POST', url: '/logout', headers: bearer(token) });
  const me = (token: string) => send({ method: 'GET', url: '/me', headers: bearer(token) });
  const oauth = (url: string, params: Record<string, string>, as = client) =>
    send({
      method: 'POST',
      url,
      headers: { ...formHeaders, authorization: basic(as.id, as.secret) },
      payload: form(params),
    });
  const passwordGrant = async (username = 'alice') => {
    const response = await oauth('/oauth/token', {
      grant_type: 'password',
      username,
      password: 'correct horse battery',
    });
    expect(response.statusCode).toBe(200);
    return response.json() as { access_token: string; refresh_token: string };
  };
  const grantRefresh = (token: string) =>
    oauth('/oauth/token', { grant_type: 'refresh_token', refresh_token: token });
  const revoke = (token: string) => oauth('/oauth/revoke', { token });
  const active = async (token: string) => {
    const rs = { id: resourceServer.clientId, secret: resourceServer.clientSecret };
    return (await oauth('/oauth/introspect', { token }, rs)).json().active as boolean;
  };
  const sessionOf = async (accessToken: string) =>
    (await server.services.accessTokens.verify(accessToken, { acceptExpiredFor: 1e6 })).sid as string;

  /** Tokens handed out by successful answers, to prove they all stopped working. */
  class Seen {
    readonly access = new Set<string>();
    readonly refresh = new Set<string>();
    add(response: Response): void {
      if (response.statusCode !== 200) return;
      const body = response.json() as { access_token?: string; refresh_token?: string };
      if (body.access_token !== undefined) this.access.add(body.access_token);
      if (body.refresh_token !== undefined) this.refresh.add(body.refresh_token);
    }
  }

  /** Refreshes successively: each answer's refresh token is the next request's, up to `steps`. */
  async function chain(first: string, steps: number, refresh: (t: string) => Promise<Response>, seen: Seen) {
    let token = first;
    for (let i = 0; i < steps; i++) {
      const response = await refresh(token);
      seen.add(response);
      const next = response.statusCode === 200 ? response.json().refresh_token : undefined;
      if (typeof next !== 'string') return;
      token = next;
    }
  }

  /** Starts every request of the race at once, in a seeded order. */
  async function race(tasks: readonly (() => Promise<unknown>)[], seed: number): Promise<void> {
    await Promise.all(shuffled(tasks, seeded(seed)).map((task) => task()));
  }

  /** The session is over in the database: ended, and every refresh token of its family revoked. */
  async function expectEnded(sessionId: string): Promise<{ endReason: string | null }> {
    const session = await server.services.sessions.findSession(sessionId);
    expect(session?.endedAt).not.toBeNull();
    const live = await server.database.handle.db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('session_id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .execute();
    expect(live).toEqual([]);
    return { endReason: session?.endReason ?? null };
  }

  function expectNoServerError(): void {
    const failures = answers.filter((r) => r.statusCode >= 500).map((r) => `${r.statusCode} ${r.body}`);
    expect(failures).toEqual([]);
  }

  it('session API: refreshes (same refresh token, successive ones) racing POST /logout', async () => {
    for (let round = 0; round < rounds; round++) {
      const first = await login();
      const seen = new Seen();
      seen.access.add(first.access_token);
      seen.refresh.add(first.refresh_token);
      let loggedOut: Response | undefined;
      await race(
        [
          async () => seen.add(await sessionRefresh(first.refresh_token)),
          async () => seen.add(await sessionRefresh(first.refresh_token)),
          async () => seen.add(await sessionRefresh(first.refresh_token)),
          () => chain(first.refresh_token, 3, sessionRefresh, seen),
          () => chain(first.refresh_token, 2, sessionRefresh, seen),
          async () => {
            loggedOut = await logout(first.access_token);
          },
          () => me(first.access_token),
        ],
        round,
      );
      expectNoServerError();
      // Nothing else ends this session, so the logout must have worked, and must hold.
      expect(loggedOut?.statusCode).toBe(200);
      await expectEnded(await sessionOf(first.access_token));
      for (const token of seen.refresh) expect((await sessionRefresh(token)).statusCode).toBe(401);
      for (const token of seen.access) expect((await me(token)).statusCode).toBe(401);
    }
    expectNoServerError();
  });

  it('session API: refreshes by the access token racing POST /logout', async () => {
    for (let round = 0; round < rounds; round++) {
      const first = await login();
      const seen = new Seen();
      seen.access.add(first.access_token);
      let loggedOut: Response | undefined;
      // Only the newest access token refreshes (the one before it within the grace window), so
      // these all present the same one: successive ones racing it would rightly look like replays.
      const refreshes = Array.from(
        { length: 6 },
        () => async () => seen.add(await sessionRefresh(first.access_token)),
      );
      await race(
        [
          ...refreshes,
          async () => {
            loggedOut = await logout(first.access_token);
          },
          () => me(first.access_token),
        ],
        500 + round,
      );
      expectNoServerError();
      expect(loggedOut?.statusCode).toBe(200);
      await expectEnded(await sessionOf(first.access_token));
      for (const token of seen.access) {
        expect((await me(token)).statusCode).toBe(401);
        expect((await sessionRefresh(token)).statusCode).toBe(401);
      }
    }
    expectNoServerError();
  });

  it('session API: a replayed refresh token and access token racing refreshes and logout', async () => {
    for (let round = 0; round < rounds; round++) {
      const first = await login();
      const second = (await sessionRefresh(first.refresh_token)).json();
      server.clock.advance(pastGrace);
      const seen = new Seen();
      for (const t of [first, second]) {
        seen.access.add(t.access_token);
        seen.refresh.add(t.refresh_token);
      }
      let loggedOut: Response | undefined;
      let replayed: Response[] = [];
      await race(
        [
          async () => {
            replayed = [await sessionRefresh(first.refresh_token), await sessionRefresh(first.access_token)];
          },
          async () => seen.add(await sessionRefresh(second.refresh_token)),
          async () => seen.add(await sessionRefresh(second.refresh_token)),
          async () => seen.add(await sessionRefresh(second.access_token)),
          () => chain(second.refresh_token, 3, sessionRefresh, seen),
          async () => {
            loggedOut = await logout(second.access_token);
          },
        ],
        1000 + round,
      );
      expectNoServerError();
      // A replay never gets tokens; the logout either ended the session or found it ended.
      for (const r of replayed) expect(r.statusCode).toBe(401);
      expect([200, 401]).toContain(loggedOut?.statusCode);
      await expectEnded(await sessionOf(first.access_token));
      for (const token of seen.refresh) expect((await sessionRefresh(token)).statusCode).toBe(401);
      for (const token of seen.access) expect((await me(token)).statusCode).toBe(401);
    }
    expectNoServerError();
  });

  it('refresh_token grant: rotations racing reuse detection, and RFC 7009 revocation', async () => {
    for (let round = 0; round < rounds; round++) {
      const first = await passwordGrant();
      const second = (await grantRefresh(first.refresh_token)).json();
      server.clock.advance(pastGrace);
      const seen = new Seen();
      for (const t of [first, second]) {
        seen.access.add(t.access_token);
        seen.refresh.add(t.refresh_token);
      }
      // Every other round also revokes the live refresh token while the others refresh it.
      const revoking = round % 2 === 0;
      let replay: Response | undefined;
      let revoked: Response | undefined;
      await race(
        [
          async () => {
            replay = await grantRefresh(first.refresh_token);
          },
          async () => seen.add(await grantRefresh(second.refresh_token)),
          async () => seen.add(await grantRefresh(second.refresh_token)),
          async () => seen.add(await grantRefresh(second.refresh_token)),
          () => chain(second.refresh_token, 3, grantRefresh, seen),
          () => chain(second.refresh_token, 2, grantRefresh, seen),
          ...(revoking
            ? [
                async () => {
                  revoked = await revoke(second.refresh_token);
                },
              ]
            : []),
        ],
        2000 + round,
      );
      expectNoServerError();
      expect(replay?.statusCode).toBe(400);
      expect(replay?.json()).toMatchObject({ error: 'invalid_grant' });
      if (revoking) expect(revoked?.statusCode).toBe(200);
      const sessionId = await sessionOf(first.access_token);
      const { endReason } = await expectEnded(sessionId);
      if (!revoking) {
        // Reuse detection ended the session and revoked the family, and said so.
        expect(endReason).toBe('refresh_token_reuse');
        const events = await server.services.audit.tail(1000);
        const detected = events.filter(
          (e) => e.type === 'refresh.reuse_detected' && e.subject === `session:${sessionId}`,
        );
        expect(detected).toHaveLength(1);
      }
      for (const token of seen.refresh) {
        const response = await grantRefresh(token);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ error: 'invalid_grant' });
      }
      for (const token of seen.access) expect(await active(token)).toBe(false);
    }
    expectNoServerError();
  });

  it('disabling a user (every session ends) racing refreshes of two of their sessions', async () => {
    for (let round = 0; round < rounds / 2; round++) {
      const api = await login('bob');
      // bob has no OAuth client of his own: a second session API session stands for it.
      const other = await login('bob');
      const seen = new Seen();
      await race(
        [
          async () => seen.add(await sessionRefresh(api.refresh_token)),
          async () => seen.add(await sessionRefresh(api.refresh_token)),
          async () => seen.add(await sessionRefresh(api.access_token)),
          () => chain(api.refresh_token, 3, sessionRefresh, seen),
          async () => seen.add(await sessionRefresh(other.refresh_token)),
          () => chain(other.refresh_token, 3, sessionRefresh, seen),
          () => server.services.users.setDisabled('bob', true, { actor: 'test' }),
          async () => seen.add(await sessionRefresh(other.access_token)),
        ],
        3000 + round,
      );
      expectNoServerError();
      await expectEnded(await sessionOf(api.access_token));
      await expectEnded(await sessionOf(other.access_token));
      await server.services.users.setDisabled('bob', false, { actor: 'test' });
      for (const token of seen.refresh) expect((await sessionRefresh(token)).statusCode).toBe(401);
      for (const token of seen.access) expect((await me(token)).statusCode).toBe(401);
    }
    expectNoServerError();
  });

  // SQLite runs one transaction at a time: two that wait for each other would wait forever there.
  it.skipIf(dialect !== 'postgres')(
    'a deadlock that still happens is retried as a whole: both transactions commit once, nothing half-written',
    async () => {
      const a = await sessionOf((await login()).access_token);
      const b = await sessionOf((await login()).access_token);
      const { audit, clock } = server.services;
      const transaction = transactionRunner(server.database.handle.db);
      // Both first attempts take their first lock, then meet here: each then wants the other's.
      let arrived = 0;
      let release = () => {};
      const met = new Promise<void>((resolve) => {
        release = resolve;
      });
      const meet = async () => {
        if (++arrived === 2) release();
        await Promise.race([met, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      };
      let attempts = 0;
      // Deliberately against the lock order (two sessions, not in id order), to make a deadlock.
      const against = (first: string, second: string) =>
        transaction(async (stores) => {
          const attempt = ++attempts;
          await stores.sessions.lock(first);
          await audit.record({ type: 'logout', subject: `deadlock:${first}` }, stores.audit);
          if (attempt <= 2) await meet();
          await stores.sessions.lock(second);
          await stores.sessions.touch(second, clock.now());
          return first;
        });
      expect(await Promise.all([against(a, b), against(b, a)])).toEqual([a, b]);
      // PostgreSQL failed one of them (40P01); it ran again and committed; its first attempt left nothing.
      expect(attempts).toBe(3);
      const events = (await audit.tail(100)).filter((e) => e.subject?.startsWith('deadlock:'));
      expect(events.map((e) => e.subject).sort()).toEqual([`deadlock:${a}`, `deadlock:${b}`].sort());
    },
  );
});
