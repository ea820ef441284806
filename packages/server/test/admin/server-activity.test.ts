import { afterEach, beforeEach, expect, it } from 'vitest';
import { activityOverview } from '../../src/audit/server-activity.js';
import { describeEachDialect } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const day = 86_400;

describeEachDialect("the admin console's overview counts", (dialect) => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer(dialect); // the clock starts at 2026-11-23 12:00 UTC
  });
  afterEach(async () => {
    await server?.close();
  });

  it('sums every client per UTC day, counts login.failed per day and live sessions, zero-filling the window', async () => {
    const { services, clock } = server;
    const failed = () => services.audit.record({ type: 'login.failed', outcome: 'failure' });
    const created = (name: string) =>
      services.clients.create(
        { name, type: 'confidential', grantTypes: ['client_credentials'] },
        { actor: 'test' },
      );
    const [a, b] = [(await created('A')).client.id, (await created('B')).client.id];

    clock.advance(-2 * day); // 2026-11-21
    await failed();
    services.usage.granted(a, null, null, null);
    await services.usage.flush();
    clock.advance(day + 11 * 3600 + 3599); // 2026-11-22 23:59:59
    await failed();
    await failed();
    services.usage.granted(a, null, null, null);
    services.usage.granted(b, null, null, null);
    services.usage.refused(b);
    await services.usage.flush();
    clock.advance(1); // 2026-11-23 00:00:00: a new day
    await failed();
    await services.audit.record({ type: 'login.succeeded' });
    clock.advance(12 * 3600);

    const account = await services.users.createServiceAccount({ name: 'robot' }, { actor: 'test' });
    await services.users.issueServiceToken({ id: account.id }, 1, { actor: 'test' });
    await services.users.issueServiceToken({ id: account.id }, 1, { actor: 'test' });
    const ended = await services.users.issueServiceToken({ id: account.id }, 1, { actor: 'test' });
    await services.serviceTokens.revoke(ended.accessToken.jti, { actor: 'test' });

    const overview = await activityOverview(services.activity, clock.now(), 4);
    expect(overview).toEqual({
      activeSessions: 2,
      days: [
        { date: '2026-11-20', tokensIssued: 0, tokensRefused: 0, failedSignIns: 0 },
        { date: '2026-11-21', tokensIssued: 1, tokensRefused: 0, failedSignIns: 1 },
        { date: '2026-11-22', tokensIssued: 2, tokensRefused: 1, failedSignIns: 2 },
        { date: '2026-11-23', tokensIssued: 0, tokensRefused: 0, failedSignIns: 1 },
      ],
    });

    clock.advance(2 * day); // both tokens expired: their sessions are no longer live
    expect((await activityOverview(services.activity, clock.now(), 1)).activeSessions).toBe(0);
  });
});
