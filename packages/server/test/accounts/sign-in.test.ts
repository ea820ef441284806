import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

/** The one sign-in path (STYLE C17): every door audits the same way and opens the session with the authenticator's amr. */

const meta = { ip: '127.0.0.1', userAgent: 'sign-in-test' };
const password = 'correct horse battery';

describeEachDialect('the sign-in use case', (dialect) => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer(dialect);
    await createPerson(server.services, { username: 'alice', password });
  });
  afterEach(() => server.close());

  type Context = Parameters<TestServer['services']['signIn']['signIn']>[2];
  /** Signs in through the use case with the password authenticator, opening a browser session. */
  function signInAs(username: string, secret: string, context: Context, replaces?: string) {
    const { signIn, passwords } = server.services;
    return signIn.signIn(passwords, { username, password: secret }, context, {
      kind: 'browser',
      ...(replaces === undefined ? {} : { replaces }),
    });
  }

  async function auditRows() {
    return server.services.audit.tail(50);
  }

  it('a browser sign-in opens a token-less session with amr pwd and audits the username, never the password', async () => {
    const outcome = await signInAs('alice', password, { via: 'browser', ...meta });
    if ('refused' in outcome) throw new Error('refused');
    expect(outcome.session).toMatchObject({ kind: 'browser', amr: ['pwd'], userId: outcome.user.id });
    const [event] = await auditRows().then((rows) => rows.slice(-1));
    expect(event).toMatchObject({
      type: 'login.succeeded',
      subject: `session:${outcome.session.id}`,
      details: { via: 'browser', username: 'alice', amr: 'pwd' },
    });
  });

  it('a refused attempt is audited with the username tried, for every reason', async () => {
    const wrong = await signInAs('alice', 'not it', { via: 'session_api', ...meta });
    expect(wrong).toEqual({ refused: 'invalid_credentials' });
    const unknown = await signInAs('nobody', password, { via: 'password_grant', clientId: 'c1', ...meta });
    expect(unknown).toEqual({ refused: 'invalid_credentials' });
    const notOwner = await signInAs('alice', password, {
      via: 'password_grant',
      clientId: 'c1',
      onlyUserId: 'someone-else',
      ...meta,
    });
    expect(notOwner).toEqual({ refused: 'not_the_owner' });

    const failures = (await auditRows()).filter((e) => e.type === 'login.failed');
    expect(failures.map((e) => e.details)).toEqual([
      { reason: 'invalid_credentials', via: 'session_api', username: 'alice' },
      { reason: 'invalid_credentials', via: 'password_grant', username: 'nobody' },
      { reason: 'not_the_owner', via: 'password_grant', username: 'alice' },
    ]);
    // No session was opened for a refusal.
    expect((await auditRows()).filter((e) => e.type === 'login.succeeded')).toEqual([]);
    expect(JSON.stringify(await auditRows())).not.toContain(password);
    expect(JSON.stringify(await auditRows())).not.toContain('not it');
  });

  it('a disabled account is refused as such, and its browser session replaced on the next sign-in is ended', async () => {
    const first = await signInAs('alice', password, { via: 'browser', ...meta });
    if ('refused' in first) throw new Error('refused');
    const second = await signInAs('alice', password, { via: 'browser', ...meta }, first.session.id);
    if ('refused' in second) throw new Error('refused');
    expect((await server.services.sessions.findSession(first.session.id))?.endReason).toBe('replaced');

    await server.services.users.setDisabled('alice', true, { actor: 'test' });
    const refused = await signInAs('alice', password, { via: 'browser', ...meta });
    expect(refused).toEqual({ refused: 'account_disabled' });
  });
});
