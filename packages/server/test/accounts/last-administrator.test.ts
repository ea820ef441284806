import { afterEach, beforeEach, expect, it } from 'vitest';
import { ConflictError } from '../../src/platform/errors.js';
import { describeEachDialect } from '../helpers/databases.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

const password = 'correct horse battery staple';

describeEachDialect('the last enabled administrator', (dialect) => {
  let server: TestServer;
  let rootId: string;
  let token: string;

  beforeEach(async () => {
    server = await startTestServer(dialect);
    rootId = (await createPerson(server.services, { username: 'root', password, isAdmin: true })).user.id;
    await createPerson(server.services, { username: 'alice' });
    const login = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'root', password },
    });
    token = login.json().access_token;
  });
  afterEach(() => server.close());

  const api = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
    server.app.inject({
      method,
      url: `/admin/api${url}`,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload }),
    });

  it('cannot be disabled, demoted or deleted until another person administers', async () => {
    for (const refused of [
      await api('POST', `/users/${rootId}/disable`),
      await api('PATCH', `/users/${rootId}`, { is_admin: false }),
      await api('DELETE', `/users/${rootId}`),
    ]) {
      expect(refused.statusCode).toBe(409);
      expect(refused.json().errors[0]).toEqual({
        message: "'root' is the last enabled administrator: make another person an administrator first",
        extensions: { code: 'CONFLICT' },
      });
    }
    expect(await server.services.users.get({ id: rootId })).toMatchObject({ isAdmin: true, disabled: false });

    const alice = await server.services.users.get('alice');
    expect((await api('PATCH', `/users/${alice.id}`, { is_admin: true })).statusCode).toBe(200);
    expect((await api('PATCH', `/users/${rootId}`, { is_admin: false })).statusCode).toBe(200);
    // Now alice is the last one; a disabled administrator does not count either.
    await expect(server.services.users.setDisabled('alice', true, { actor: 'test' })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('two administrators disabling each other at once: one of them stays', async () => {
    await createPerson(server.services, { username: 'bob', password, isAdmin: true });
    const outcomes = await Promise.allSettled([
      server.services.users.setDisabled('root', true, { actor: 'test' }),
      server.services.users.setDisabled('bob', true, { actor: 'test' }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(ConflictError);
    const enabled = [await server.services.users.get('root'), await server.services.users.get('bob')].filter(
      (user) => !user.disabled,
    );
    expect(enabled).toHaveLength(1);
  });
});
