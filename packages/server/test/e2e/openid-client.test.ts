import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { describeEachDialect } from '../helpers/databases.js';
import { freePort } from '../helpers/listen.js';
import { createMachineClient, startTestServer, type TestServer } from '../helpers/test-server.js';

describeEachDialect('openid-client against a listening Tessera', (dialect) => {
  let server: TestServer;
  let issuer: string;

  beforeEach(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startTestServer(dialect, { env: { TESSERA_ISSUER: issuer }, clock: systemClock });
    await server.app.listen({ port, host: '127.0.0.1' });
  });
  afterEach(() => server.close());

  it('discovers the server, obtains a client-credentials token, and the token verifies with jose against /oauth/jwks', async () => {
    const { clientId, clientSecret } = await createMachineClient(server.services, {
      scopes: ['read:agents', 'write:agents'],
    });
    const config = await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    expect(config.serverMetadata().token_endpoint).toBe(`${issuer}/oauth/token`);

    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'read:agents' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.scope).toBe('read:agents');

    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri as string));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer,
      audience: issuer,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: clientId, client_id: clientId, scope: 'read:agents' });

    const introspection = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, client_id: clientId, scope: 'read:agents' });

    await oidc.tokenRevocation(config, tokens.access_token);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });

  it('works with client_secret_post as well', async () => {
    const { clientId, clientSecret } = await createMachineClient(server.services);
    const config = await oidc.discovery(
      new URL(issuer),
      clientId,
      undefined,
      oidc.ClientSecretPost(clientSecret),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    const tokens = await oidc.clientCredentialsGrant(config);
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it('surfaces invalid_client as a typed error to the client library', async () => {
    const { clientId } = await createMachineClient(server.services);
    const config = await oidc.discovery(new URL(issuer), clientId, 'wrong-secret', undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    // A 401 carrying a WWW-Authenticate challenge surfaces as the challenge (oauth4webapi's rule).
    const error = await oidc.clientCredentialsGrant(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    expect(error).toMatchObject({
      status: 401,
      cause: [{ scheme: 'basic', parameters: { realm: 'tessera' } }],
    });
    const body = await (error as oidc.WWWAuthenticateChallengeError).response.json();
    expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });
});
