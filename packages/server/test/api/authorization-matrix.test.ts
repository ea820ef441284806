import { randomUUID } from 'node:crypto';
import { sign } from '@fastify/cookie';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newAccount } from '../../src/accounts/new-account.js';
import type { ApiRoute } from '../../src/http/api/api-scope.js';
import { randomToken } from '../../src/platform/random.js';
import { createStores } from '../../src/storage/repositories/index.js';
import { describeEachDialect } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/*
 * The authorization matrix (issue 16), generated from the route table the API scopes record
 * (app.apiRoutes): every admin and self-service route, including ones added later, refuses an
 * anonymous caller (401, even with a body that would fail validation: authentication comes
 * first), refuses a signed-in non-admin on the admin API (403), admits its rightful caller, and
 * refuses a browser's cookie without the CSRF header on anything that changes state.
 */

const envelope = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });
// Hundreds of calls from one address: budgets out of reach, limits still on.
const env = { TESSERA_RATE_LIMITS: 'api=100000,login=100000' };
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
const junk = { 'content-type': 'application/json' };
const junkBody = '{"username": [1, 2, {"not": "closed"';

/** The route's URL with plausible values in its parameters: ids nobody has, so nothing real is touched. */
function reachable(route: ApiRoute): string {
  return route.url.replace(/:([A-Za-z_]+)/g, (_match, name: string) =>
    name === 'client_id' || name === 'name' ? `no-such-${randomToken(6)}` : randomUUID(),
  );
}

type Injected = { statusCode: number; body: string; json(): unknown };

describeEachDialect('authorization matrix of the admin and self-service APIs', (dialect) => {
  let server: TestServer;
  let routes: readonly ApiRoute[];

  beforeAll(async () => {
    server = await startTestServer(dialect, { env });
    routes = server.app.apiRoutes;
  });
  afterAll(() => server.close());

  /** A new account, made straight in the store (no password hashing): one per check, so no route's effect on its caller (ending its sessions, deleting it) reaches another check. */
  async function account(isAdmin: boolean) {
    const user = newAccount(
      { username: `u-${randomToken(9)}`, kind: 'user', isAdmin, email: null },
      server.clock.now(),
    );
    await createStores(server.database.handle.db).users.insert(user);
    return user;
  }

  /** A session-API bearer token of a fresh account. */
  async function bearer(isAdmin: boolean): Promise<Record<string, string>> {
    const issued = await server.services.sessions.open({
      user: await account(isAdmin),
      kind: 'api',
      clientId: null,
      scope: [],
      policy: { accessTtl: 300, refreshTtl: null, maxAge: 3600 },
      amr: ['pwd'],
      ip: null,
      userAgent: null,
    });
    return { authorization: `Bearer ${issued.accessToken.token}` };
  }

  /** A fresh account's browser: its signed sign-in cookie and CSRF cookie, and the CSRF header it may send. */
  async function browser(isAdmin: boolean) {
    const { services } = server;
    const session = await services.browserSessions.open(await account(isAdmin), ['pwd'], {
      ip: null,
      userAgent: null,
    });
    const key = randomToken(32);
    const cookie = `tessera_session=${sign(session.id, services.cookies.keys[0] as Buffer)}; tessera_csrf=${key}`;
    return { cookie, csrf: services.cookies.mac(`csrf:${key}`) };
  }

  function call(route: ApiRoute, headers: Record<string, string>, body?: string): Promise<Injected> {
    return server.app.inject({
      method: route.method as 'GET',
      url: reachable(route),
      headers: body === undefined ? headers : { ...headers, ...junk },
      ...(body === undefined ? {} : { payload: body }),
    });
  }

  /** Runs `check` on every route and lists those it fails on, so one run shows the whole matrix. */
  async function everyRoute(
    filter: (route: ApiRoute) => boolean,
    check: (route: ApiRoute) => Promise<string | undefined>,
  ): Promise<number> {
    const failures: string[] = [];
    const chosen = routes.filter(filter);
    for (const route of chosen) {
      const problem = await check(route);
      if (problem !== undefined) failures.push(`${route.method} ${route.url}: ${problem}`);
    }
    expect(failures).toEqual([]);
    return chosen.length;
  }

  const outcome = (response: Injected) => `${response.statusCode} ${response.body.slice(0, 200)}`;
  const hasBody = (route: ApiRoute) => !safeMethods.has(route.method);

  it('records every route of both APIs, SPEC routes included, each documented in /openapi.json', async () => {
    const table = routes.map((r) => `${r.access} ${r.method} ${r.url}`);
    for (const expected of [
      'admin POST /admin/api/users',
      'admin POST /admin/api/users/:id/disable',
      'admin POST /admin/api/users/:id/enable',
      'admin POST /admin/api/users/:id/service-tokens',
      'admin DELETE /admin/api/service-tokens/:jti',
      'account POST /account/api/clients',
      'account GET /account/api/clients',
      'account POST /account/api/clients/:client_id/rotate',
      'account DELETE /account/api/clients/:client_id',
      'account GET /account/api/clients/:client_id/usage',
    ]) {
      expect(table).toContain(expected);
    }
    expect(
      routes.every((r) => r.url.startsWith(r.access === 'admin' ? '/admin/api/' : '/account/api/')),
    ).toBe(true);

    const document = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const undocumented = routes.filter((route) => {
      const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      return (
        operation === undefined ||
        typeof operation.summary !== 'string' ||
        !operation.tags?.includes(route.access) ||
        Object.keys(operation.responses ?? {}).length === 0
      );
    });
    expect(undocumented).toEqual([]);
  });

  it('refuses an anonymous caller on every route with 401, before looking at the body', async () => {
    const anonymous = envelope('Authentication required', 'UNAUTHENTICATED');
    const count = await everyRoute(
      () => true,
      async (route) => {
        for (const body of hasBody(route) ? [undefined, junkBody] : [undefined]) {
          const response = await call(route, {}, body);
          if (response.statusCode !== 401 || response.body !== JSON.stringify(anonymous)) {
            return `anonymous${body === undefined ? '' : ' with a junk body'}: ${outcome(response)}`;
          }
        }
        const forged = await call(
          route,
          { authorization: 'Bearer not-a-token' },
          hasBody(route) ? junkBody : undefined,
        );
        if (forged.statusCode !== 401) return `forged token: ${outcome(forged)}`;
        return undefined;
      },
    );
    expect(count).toBeGreaterThan(20);
  });

  it('refuses a signed-in non-admin on every admin route with 403 FORBIDDEN, before looking at the body', async () => {
    const headers = await bearer(false);
    const forbidden = JSON.stringify(envelope('Administrator access required', 'FORBIDDEN'));
    const { cookie } = await browser(false);
    await everyRoute(
      (route) => route.access === 'admin',
      async (route) => {
        const response = await call(route, headers, hasBody(route) ? junkBody : undefined);
        if (response.statusCode !== 403 || response.body !== forbidden) {
          return `bearer: ${outcome(response)}`;
        }
        const viaCookie = await call(route, { cookie }, hasBody(route) ? junkBody : undefined);
        if (viaCookie.statusCode !== 403) return `cookie: ${outcome(viaCookie)}`;
        return undefined;
      },
    );
  });

  it('admits the rightful caller on every route: an admin on the admin API, any signed-in user on their own', async () => {
    await everyRoute(
      () => true,
      async (route) => {
        const response = await call(
          route,
          await bearer(route.access === 'admin'),
          hasBody(route) ? '{}' : undefined,
        );
        if ([401, 403].includes(response.statusCode) || response.statusCode >= 500) {
          return `rightful caller: ${outcome(response)}`;
        }
        return undefined;
      },
    );
  });

  it("refuses a browser's cookie without the X-CSRF-Token header on every route that changes state", async () => {
    const missing = JSON.stringify(envelope('Missing or invalid x-csrf-token header', 'FORBIDDEN'));
    await everyRoute(
      () => true,
      async (route) => {
        const { cookie, csrf } = await browser(route.access === 'admin');
        const body = hasBody(route) ? '{}' : undefined;
        if (hasBody(route)) {
          const forged: Array<Record<string, string>> = [
            { cookie },
            // Another browser's token, or this one's altered, does not count.
            { cookie, 'x-csrf-token': `${csrf.startsWith('A') ? 'B' : 'A'}${csrf.slice(1)}` },
          ];
          for (const headers of forged) {
            const refused = await call(route, headers, body);
            if (refused.statusCode !== 403 || refused.body !== missing) {
              return `cookie without a valid CSRF header: ${outcome(refused)}`;
            }
          }
        }
        // With the header (or on a GET) the same browser is admitted.
        const admitted = await call(
          route,
          hasBody(route) ? { cookie, 'x-csrf-token': csrf } : { cookie },
          body,
        );
        if ([401, 403].includes(admitted.statusCode) || admitted.statusCode >= 500) {
          return `cookie with the CSRF header: ${outcome(admitted)}`;
        }
        return undefined;
      },
    );
  });
});
