import { decodeJwt } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RefreshFailed } from '../../src/accounts/refresh-errors.js';
import type { SessionApiTokens } from '../../src/accounts/session-api.js';
import { describeEachDialect } from '../helpers/databases.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * The rotation, grace and reuse rules of the session API (STYLE C16), driven through the domain
 * with a ManualClock: no HTTP, no waiting. The HTTP suites check the same rules on the wire.
 */

const meta = { ip: '127.0.0.1', userAgent: 'rules-test' };
const grace = 10;
const refreshTtl = 3600;

describeEachDialect('session rotation, grace and reuse rules', (dialect) => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer(dialect, {
      env: {
        TESSERA_REFRESH_GRACE: String(grace),
        TESSERA_SESSION_REFRESH_TTL: String(refreshTtl),
        TESSERA_SESSION_ACCESS_TTL: '300',
      },
    });
    await createPerson(server.services, { username: 'alice' });
  });
  afterEach(() => server.close());

  async function login(): Promise<SessionApiTokens & { sessionId: string }> {
    const outcome = await server.services.sessionApi.login(
      { username: 'alice', password: 'correct horse battery' },
      meta,
    );
    if ('refused' in outcome) throw new Error(`login refused: ${outcome.refused}`);
    return { ...outcome.tokens, sessionId: outcome.session.id };
  }

  const refresh = (presented: string) => server.services.sessionApi.refresh(presented, meta);

  async function refusal(presented: string): Promise<string> {
    const error = await refresh(presented).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RefreshFailed);
    return (error as RefreshFailed).reason;
  }

  async function sessionEnded(sessionId: string): Promise<string | null | undefined> {
    return (await server.services.sessions.findSession(sessionId))?.endReason;
  }

  it('a refresh token rotates: the successor works, and the successor’s successor', async () => {
    const first = await login();
    const second = await refresh(first.refreshToken as string);
    expect(second.refreshToken).toBeDefined();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    server.clock.advance(60);
    const third = await refresh(second.refreshToken as string);
    expect(third.refreshToken).not.toBe(second.refreshToken);
    expect(await sessionEnded(first.sessionId)).toBeNull();
  });

  it('within the grace window a rotated token gets the same successor again; one second later it is a replay', async () => {
    const first = await login();
    const second = await refresh(first.refreshToken as string);
    server.clock.advance(grace);
    const again = await refresh(first.refreshToken as string);
    expect(again.refreshToken).toBe(second.refreshToken);
    expect(await sessionEnded(first.sessionId)).toBeNull();

    server.clock.advance(1);
    expect(await refusal(first.refreshToken as string)).toBe('reused');
    expect(await sessionEnded(first.sessionId)).toBe('refresh_token_reuse');
    // The whole family is dead, the legitimate successor included.
    expect(await refusal(second.refreshToken as string)).toBe('invalid');
    const [event] = await server.services.audit.tail(1);
    expect(event).toMatchObject({
      type: 'refresh.reuse_detected',
      outcome: 'failure',
      subject: `session:${first.sessionId}`,
      details: { token: 'refresh_token' },
    });
  });

  it('a refresh token unused for longer than its lifetime has expired, and the session stays', async () => {
    const first = await login();
    server.clock.advance(refreshTtl);
    expect(await refusal(first.refreshToken as string)).toBe('expired');
    expect(await sessionEnded(first.sessionId)).toBeNull();
  });

  it('each rotation slides the refresh lifetime forward', async () => {
    let tokens = await login();
    for (let i = 0; i < 3; i += 1) {
      server.clock.advance(refreshTtl - 1);
      tokens = { ...(await refresh(tokens.refreshToken as string)), sessionId: tokens.sessionId };
    }
    expect(tokens.refreshToken).toBeDefined();
  });

  it('the newest access token refreshes, even expired, while the session was used within the refresh lifetime', async () => {
    const first = await login();
    server.clock.advance(301);
    const next = await refresh(first.accessToken);
    expect(next.refreshToken).toBeUndefined();
    expect(decodeJwt(next.accessToken).jti).not.toBe(decodeJwt(first.accessToken).jti);

    server.clock.advance(refreshTtl + 1);
    expect(await refusal(next.accessToken)).toBe('expired');
    expect(await sessionEnded(first.sessionId)).toBeNull();
  });

  it('the access token just superseded gets the same successor within the grace window, a replay after it', async () => {
    const first = await login();
    const second = await refresh(first.accessToken);
    server.clock.advance(grace);
    const again = await refresh(first.accessToken);
    // The same token minted again: same jti, iat and exp (an ECDSA signature differs each time).
    const { jti, iat, exp } = decodeJwt(second.accessToken);
    expect(decodeJwt(again.accessToken)).toMatchObject({ jti, iat, exp });

    server.clock.advance(1);
    expect(await refusal(first.accessToken)).toBe('reused');
    expect(await sessionEnded(first.sessionId)).toBe('refresh_token_reuse');
    const [event] = await server.services.audit.tail(1);
    expect(event?.details).toMatchObject({ token: 'access_token' });
  });

  it('an access token two generations old is a replay at once', async () => {
    const first = await login();
    const second = await refresh(first.accessToken);
    await refresh(second.accessToken);
    expect(await refusal(first.accessToken)).toBe('reused');
    expect(await sessionEnded(first.sessionId)).toBe('refresh_token_reuse');
  });

  it('a logged-out session refreshes with neither kind of token', async () => {
    const first = await login();
    const user = (await server.services.users.list('user')).find((u) => u.username === 'alice');
    await server.services.sessionApi.logout(user!, first.sessionId, meta);
    expect(await refusal(first.refreshToken as string)).toBe('invalid');
    expect(await refusal(first.accessToken)).toBe('invalid');
  });
});

describeEachDialect('session rules with access-token refresh turned off', (dialect) => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer(dialect, { env: { TESSERA_SESSION_ACCESS_TOKEN_REFRESH: 'false' } });
    await createPerson(server.services, { username: 'alice' });
  });
  afterEach(() => server.close());

  it('an access token is refused as a refresh credential; the refresh token still rotates', async () => {
    const outcome = await server.services.sessionApi.login(
      { username: 'alice', password: 'correct horse battery' },
      meta,
    );
    if ('refused' in outcome) throw new Error('login refused');
    await expect(server.services.sessionApi.refresh(outcome.tokens.accessToken, meta)).rejects.toMatchObject({
      reason: 'invalid',
    });
    const next = await server.services.sessionApi.refresh(outcome.tokens.refreshToken as string, meta);
    expect(next.refreshToken).toBeDefined();
  });
});
