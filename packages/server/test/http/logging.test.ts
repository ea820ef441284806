import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import {
  basic,
  createMachineClient,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
} from '../helpers/test-server.js';

describeEachDialect('request logs', (dialect) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(dialect);
  });
  afterEach(() => server.close());

  it('one line per request with id, method, route, status and latency, and no secret or token anywhere', async () => {
    const { clientId, clientSecret } = await createMachineClient(server.services, {
      scopes: ['read:agents'],
    });
    const rotated = await server.services.clients.rotateSecret(clientId, 60, { actor: 'test' });
    const newSecret = rotated.secret as string;
    const auth = basic(clientId, newSecret);

    const issued = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: auth },
      payload: form({ grant_type: 'client_credentials', scope: 'read:agents' }),
    });
    const accessToken = issued.json().access_token as string;
    const viaPost = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }),
    });
    const secondToken = viaPost.json().access_token as string;
    await server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...formHeaders, authorization: auth },
      payload: form({ token: accessToken }),
    });
    await server.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { ...formHeaders, authorization: auth },
      payload: form({ token: accessToken }),
    });
    // Secrets in places they should not be: a wrong secret, a token in a query string, a broken body.
    await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(clientId, `${newSecret}x`) },
      payload: form({ grant_type: 'client_credentials' }),
    });
    await server.app.inject({ method: 'GET', url: `/oauth/jwks?token=${secondToken}` });
    await server.app.inject({ method: 'GET', url: `/no/such/route?client_secret=${newSecret}` });
    await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json', authorization: auth },
      payload: `{"grant_type": "client_credentials", "client_secret": "${clientSecret}"`,
    });

    const everything = server.logs.join('\n');
    for (const secret of [clientSecret, newSecret, accessToken, secondToken, auth.slice('Basic '.length)]) {
      expect(everything).not.toContain(secret);
    }
    for (const part of accessToken.split('.')) expect(everything).not.toContain(part);

    const requestLines = server.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(requestLines).toHaveLength(8);
    for (const line of requestLines) {
      expect(Object.keys(line)).toEqual(expect.arrayContaining(['reqId', 'method', 'route', 'status', 'ms']));
      expect(line).not.toHaveProperty('url');
      expect(line).not.toHaveProperty('req');
    }
    expect(requestLines.map((l) => `${l.method} ${l.route} ${l.status}`)).toEqual([
      'POST /oauth/token 200',
      'POST /oauth/token 200',
      'POST /oauth/introspect 200',
      'POST /oauth/revoke 200',
      'POST /oauth/token 401',
      'GET /oauth/jwks 200',
      'GET unmatched 404',
      'POST /oauth/token 400',
    ]);
  });

  it('answers with the request id in X-Request-Id', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const line = server.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
    expect(line.reqId).toBe(response.headers['x-request-id']);
  });
});
