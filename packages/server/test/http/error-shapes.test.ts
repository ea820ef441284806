import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

/** Issue 13 item 6: errors on the session API's paths speak its envelope, even before routing. */

describeEachDialect('error shapes by endpoint family', (dialect) => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer(dialect);
  });
  afterEach(() => server.close());

  it('POST /logout with Content-Type application/json and no body logs out', async () => {
    const { password } = await createPerson(server.services);
    const login = await server.app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'alice', password },
    });
    const { access_token: accessToken } = login.json();
    const logout = await server.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    });
    expect(logout.statusCode).toBe(200);
    expect(logout.json()).toEqual({ logged_out: true });
    const me = await server.app.inject({
      method: 'GET',
      url: '/me',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(me.statusCode).toBe(401);
    // POST /login without a body still says what is wrong, in the envelope.
    const empty = await server.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('a 404 on a session API path is an envelope; elsewhere the OAuth error object', async () => {
    const onSession = await server.app.inject({ method: 'DELETE', url: '/me' });
    expect(onSession.statusCode).toBe(404);
    expect(onSession.json()).toEqual({
      errors: [{ message: 'no route for DELETE /me', extensions: { code: 'NOT_FOUND' } }],
    });
    const elsewhere = await server.app.inject({ method: 'GET', url: '/nothing-here' });
    expect(elsewhere.json()).toEqual({
      error: 'not_found',
      error_description: 'no route for GET /nothing-here',
    });
  });

  it('headers too large: 431 in the envelope on the session API, as an OAuth error elsewhere', async () => {
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.app.server.address() as AddressInfo;
    const huge = 'x'.repeat(20_000);
    const send = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, headers: { 'x-padding': huge } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const session = await send('/me');
    expect(session.status).toBe(431);
    expect(JSON.parse(session.body)).toEqual({
      errors: [{ message: 'Request Header Fields Too Large', extensions: { code: 'BAD_REQUEST' } }],
    });
    const oauth = await send('/oauth/userinfo');
    expect(oauth.status).toBe(431);
    expect(JSON.parse(oauth.body)).toEqual({
      error: 'invalid_request',
      error_description: 'request header fields too large',
    });
  });
});
