import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addProvider, flowApp, upstreamAccount } from '../federation/federation-fixtures.js';
import { createMachineClient, createPerson } from '../helpers/test-server.js';
import { UpstreamProvider } from '../helpers/upstream-provider.js';
import { type ListeningServer, type ProgramRun, startListeningServer } from './listening-server.js';

/*
 * The Python client package (clients/python, issue 19) against live Tesseras: its unittest suite
 * (clients/python/tests) runs under the machine's python3 with the package on PYTHONPATH, so no
 * install is needed. One server has a 3-second session access-token lifetime (refresh tests wait
 * it out); another allows 2 GET /me per token per 1-second window (429 tests). SQLite only: the
 * client cannot tell the dialects apart, and the server's own suites cover both. A real upstream
 * OpenID provider (oidc-provider on loopback) is a federated provider of the first server and
 * issues, through its code flow, the id_tokens the oidc_login tests sign in with: two, since a
 * token is accepted once (the second is the same account signing in again).
 */

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const person = { username: 'alice', password: 'correct horse battery' };
const admin = { username: 'root', password: 'correct horse battery staple' };
// Many calls from one address and token: budgets out of reach, limits still on.
const roomy = 'api=100000,login=100000,me=100000,session=100000,token=100000';

function runUnittest(env: Record<string, string>, timeoutMs: number): Promise<ProgramRun> {
  const { TESSERA_SERVICE_TOKEN: _ignored, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    execFile(
      'python3',
      ['-m', 'unittest', 'discover', '-v', '-s', 'clients/python/tests', '-t', 'clients/python/tests'],
      {
        cwd: root,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        env: {
          ...inherited,
          ...env,
          PYTHONPATH: `${root}clients/python/src`,
          PYTHONDONTWRITEBYTECODE: '1',
        },
      },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`python3 -m unittest failed: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

describe('compat: the Python client package (clients/python) against a live Tessera', () => {
  let main: ListeningServer;
  let limited: ListeningServer;
  let machine: { clientId: string; clientSecret: string };
  let upstream: UpstreamProvider;
  let federated: { subject: string; idTokens: [string, string] };

  beforeAll(async () => {
    upstream = await UpstreamProvider.start([flowApp]);
    [main, limited] = await Promise.all([
      startListeningServer('sqlite', { TESSERA_SESSION_ACCESS_TTL: '3', TESSERA_RATE_LIMITS: roomy }),
      startListeningServer('sqlite', {
        TESSERA_RATE_LIMITS: `${roomy},me=2`,
        TESSERA_RATE_LIMIT_WINDOW: '1',
      }),
    ]);
    for (const server of [main, limited]) {
      await createPerson(server.server.services, {
        ...person,
        permissions: ['can_run_pipelines'],
        groups: ['staff'],
      });
    }
    await createPerson(main.server.services, { ...admin, isAdmin: true });
    machine = await createMachineClient(main.server.services, { accessTokenTtl: 2 });
    await addProvider(main.server.services, upstream);
    const subject = upstreamAccount(upstream, {
      email: 'fed@acme.example',
      email_verified: true,
      given_name: 'Fed',
      family_name: 'Erated',
    });
    // One after the other: the upstream signs in as one account at a time.
    const first = await upstream.idToken(flowApp, subject);
    const second = await upstream.idToken(flowApp, subject);
    federated = { subject, idTokens: [first, second] };
  });
  afterAll(async () => {
    await Promise.all([main?.close(), limited?.close(), upstream?.close()]);
  });

  it('passes its unittest suite: login, oidc_login, refresh, logout, files, threads, 429s, admin, client credentials', async () => {
    const run = await runUnittest(
      {
        TESSERA_TEST_URL: main.baseUrl,
        TESSERA_TEST_LIMITED_URL: limited.baseUrl,
        TESSERA_TEST_USERNAME: person.username,
        TESSERA_TEST_PASSWORD: person.password,
        TESSERA_TEST_ADMIN_USERNAME: admin.username,
        TESSERA_TEST_ADMIN_PASSWORD: admin.password,
        TESSERA_TEST_CLIENT_ID: machine.clientId,
        TESSERA_TEST_CLIENT_SECRET: machine.clientSecret,
        TESSERA_TEST_OIDC_ISSUER: upstream.issuer,
        TESSERA_TEST_OIDC_SUBJECT: federated.subject,
        TESSERA_TEST_ID_TOKEN: federated.idTokens[0],
        TESSERA_TEST_ID_TOKEN_2: federated.idTokens[1],
      },
      50_000,
    );
    // unittest reports on stderr; show it all when something failed.
    expect(run.code, run.stderr).toBe(0);
    if (process.env.TESSERA_TEST_SHOW_PYTHON === '1') console.log(run.stderr);
    // Every test ran: none may skip (a missing setting would make one skip itself).
    expect(run.stderr).toMatch(/\nOK\n/);
    expect(run.stderr).not.toMatch(/ skipped '|skipped=/);
    expect(Number(/\nRan (\d+) tests? /.exec(run.stderr)?.[1])).toBeGreaterThanOrEqual(19);
  }, 60_000);
});
