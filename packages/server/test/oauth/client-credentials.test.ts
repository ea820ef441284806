import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import {
  basic,
  createMachineClient,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
  testIssuer,
} from '../helpers/test-server.js';

describeEachDialect('POST /oauth/token client_credentials', (dialect) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(dialect);
  });
  afterEach(() => server.close());

  async function verifyWithJwks(token: string) {
    const jwks = (await server.app.inject({ method: 'GET', url: '/oauth/jwks' })).json();
    return jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: testIssuer,
      typ: 'at+jwt',
      currentDate: server.clock.now(),
    });
  }

  it('issues an RFC 9068 access token to a client authenticated with client_secret_basic', async () => {
    const { clientId, clientSecret } = await createMachineClient(server.services, {
      scopes: ['read:agents', 'write:agents'],
    });
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(clientId, clientSecret) },
      payload: form({ grant_type: 'client_credentials', scope: 'read:agents' }),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.pragma).toBe('no-cache');
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read:agents' });

    const { payload, protectedHeader } = await verifyWithJwks(body.access_token);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    const now = Math.floor(server.clock.now().getTime() / 1000);
    expect(payload).toEqual({
      iss: testIssuer,
      sub: clientId,
      aud: testIssuer,
      exp: now + 3600,
      iat: now,
      jti: expect.any(String),
      client_id: clientId,
      scope: 'read:agents',
    });
  });

  it('accepts client_secret_post in a JSON body and grants the client’s scopes when none are asked for', async () => {
    const { clientId, clientSecret } = await createMachineClient(server.services, {
      scopes: ['read:agents', 'admin'],
    });
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        client_id: clientId,
        client_secret: clientSecret,
        grant_type: 'client_credentials',
      }),
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read:agents admin' });
    const { payload } = await verifyWithJwks(body.access_token);
    expect(payload.scope).toBe('read:agents admin');
  });

  it('accepts client_secret_post in a form body with a charset parameter', async () => {
    const { clientId, clientSecret } = await createMachineClient(server.services, {
      scopes: ['read:agents'],
    });
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      payload: form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    });
    expect(response.statusCode).toBe(200);
  });

  it('uses the client’s own access-token lifetime', async () => {
    const { clientId, clientSecret } = await createMachineClient(server.services, { accessTokenTtl: 120 });
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(clientId, clientSecret) },
      payload: form({ grant_type: 'client_credentials' }),
    });
    const body = response.json();
    expect(body.expires_in).toBe(120);
    expect(body.scope).toBeUndefined();
    const { payload } = await verifyWithJwks(body.access_token);
    expect((payload.exp as number) - (payload.iat as number)).toBe(120);
    expect(payload.scope).toBeUndefined();
  });

  it('gives every token its own jti', async () => {
    const { clientId, clientSecret } = await createMachineClient(server.services);
    const jtis = new Set<string>();
    for (let i = 0; i < 5; i += 1) {
      const response = await server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { ...formHeaders, authorization: basic(clientId, clientSecret) },
        payload: form({ grant_type: 'client_credentials' }),
      });
      jtis.add((await verifyWithJwks(response.json().access_token)).payload.jti as string);
    }
    expect(jtis.size).toBe(5);
  });

  it('keeps the old secret valid during the rotation grace period, then refuses it', async () => {
    const { clientId, clientSecret } = await createMachineClient(server.services);
    const rotated = await server.services.clients.rotateSecret(clientId, 60, { actor: 'test' });
    const request = (secret: string) =>
      server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { ...formHeaders, authorization: basic(clientId, secret) },
        payload: form({ grant_type: 'client_credentials' }),
      });
    expect((await request(clientSecret)).statusCode).toBe(200);
    expect((await request(rotated.secret as string)).statusCode).toBe(200);
    server.clock.advance(61);
    expect((await request(clientSecret)).statusCode).toBe(401);
    expect((await request(rotated.secret as string)).statusCode).toBe(200);
  });

  it('rotation without grace stops the old secret at once', async () => {
    const { clientId, clientSecret } = await createMachineClient(server.services);
    await server.services.clients.rotateSecret(clientId, 0, { actor: 'test' });
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(clientId, clientSecret) },
      payload: form({ grant_type: 'client_credentials' }),
    });
    expect(response.statusCode).toBe(401);
  });

  it('signs with the ES256 key published in the JWKS', async () => {
    const { clientId, clientSecret } = await createMachineClient(server.services);
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, authorization: basic(clientId, clientSecret) },
      payload: form({ grant_type: 'client_credentials' }),
    });
    const kid = decodeProtectedHeader(response.json().access_token).kid;
    const jwks = (await server.app.inject({ method: 'GET', url: '/oauth/jwks' })).json();
    expect(jwks.keys.find((k: { kid: string }) => k.kid === kid)).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
    });
  });
});

describeEachDialect('access tokens signed with TESSERA_ACCESS_TOKEN_ALG', (dialect) => {
  for (const alg of ['RS256', 'EdDSA'] as const) {
    it(`${alg}: the token is signed with ${alg} and verifies against the JWKS`, async () => {
      const server = await startTestServer(dialect, { env: { TESSERA_ACCESS_TOKEN_ALG: alg } });
      try {
        const { clientId, clientSecret } = await createMachineClient(server.services);
        const response = await server.app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { ...formHeaders, authorization: basic(clientId, clientSecret) },
          payload: form({ grant_type: 'client_credentials' }),
        });
        const jwks = (await server.app.inject({ method: 'GET', url: '/oauth/jwks' })).json();
        const { protectedHeader } = await jwtVerify(response.json().access_token, createLocalJWKSet(jwks), {
          issuer: testIssuer,
          typ: 'at+jwt',
          algorithms: [alg],
          currentDate: server.clock.now(),
        });
        expect(protectedHeader.alg).toBe(alg);
      } finally {
        await server.close();
      }
    });
  }
});
