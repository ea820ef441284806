import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier, type Verifier } from '@tessera/verify';
import { requireScopes as expressScopes } from '@tessera/verify/express';
import { requireScopes } from '@tessera/verify/fastify';
import { authenticate } from '@tessera/verify/node-http';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { describeEachDialect } from '../helpers/databases.js';
import { freePort } from '../helpers/listen.js';
import { createMachineClient, startTestServer, type TestServer } from '../helpers/test-server.js';

describeEachDialect('@tessera/verify against a running Tessera', (dialect) => {
  let server: TestServer;
  let issuer: string;
  let api: FastifyInstance;
  let apiUrl: string;
  let verifier: Verifier;
  let worker: { clientId: string; clientSecret: string };

  beforeEach(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startTestServer(dialect, { env: { TESSERA_ISSUER: issuer }, clock: systemClock });
    await server.app.listen({ port, host: '127.0.0.1' });
    worker = await createMachineClient(server.services, { scopes: ['read:agents', 'write:agents'] });
    verifier = createVerifier({ issuer, audience: issuer, jwksCooldown: 0 });
    api = Fastify();
    api.get('/agents', { preHandler: requireScopes(verifier, 'read:agents') }, async (request) => ({
      sub: request.auth?.sub,
    }));
    api.post('/agents', { preHandler: requireScopes(verifier, 'write:agents') }, async () => ({
      created: true,
    }));
    apiUrl = await api.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    await api.close();
    await server.close();
  });

  async function token(scope: string, client = worker): Promise<string> {
    const response = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
        scope,
      }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }
  const call = (path: string, accessToken?: string, method = 'GET') =>
    fetch(`${apiUrl}${path}`, {
      method,
      headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` },
    });

  it('lets a token with the scope through and puts its claims on the request', async () => {
    const response = await call('/agents', await token('read:agents'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: worker.clientId });
  });

  it('answers 401 with a Bearer challenge for a missing, malformed, forged or foreign-audience token', async () => {
    const missing = await call('/agents');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="api"');

    const garbage = await call('/agents', 'not-a-jwt');
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", error="invalid_token"/);
    expect(await garbage.json()).toMatchObject({ error: 'invalid_token' });

    const [h, p] = (await token('read:agents')).split('.');
    expect((await call('/agents', `${h}.${p}.AAAA`)).status).toBe(401);

    const otherAudience = createVerifier({ issuer, audience: 'https://another-api.example' });
    await expect(otherAudience.verify(await token('read:agents'))).rejects.toMatchObject({
      code: 'invalid_token',
    });
  });

  it('answers 401 for an expired token', async () => {
    const later = createVerifier({
      issuer,
      audience: issuer,
      now: () => new Date(Date.now() + 2 * 3600 * 1000),
    });
    await expect(later.verify(await token('read:agents'))).rejects.toMatchObject({
      code: 'invalid_token',
      problem: 'expired',
    });
  });

  it('answers 403 insufficient_scope naming the missing scope', async () => {
    const response = await call('/agents', await token('read:agents'), 'POST');
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="write:agents"',
    );
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('in introspection mode refuses a revoked token at once', async () => {
    const resourceServer = await createMachineClient(server.services, {
      name: 'agents-api',
      introspection: true,
    });
    const strict = createVerifier({
      issuer,
      audience: issuer,
      introspection: {
        clientId: resourceServer.clientId,
        clientSecret: resourceServer.clientSecret,
        cacheSeconds: 0,
      },
    });
    const accessToken = await token('read:agents');
    await expect(strict.verify(accessToken)).resolves.toMatchObject({ client_id: worker.clientId });
    await fetch(`${issuer}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: accessToken,
        client_id: worker.clientId,
        client_secret: worker.clientSecret,
      }),
    });
    await expect(strict.verify(accessToken)).rejects.toMatchObject({ problem: 'revoked' });
    // Offline verification cannot know: the token stays valid until it expires.
    await expect(verifier.verify(accessToken)).resolves.toBeTruthy();
  });

  it('works as Express middleware and in a plain node:http handler', async () => {
    const app = express();
    app.get('/x', expressScopes(verifier, 'read:agents'), (req, res) => {
      res.json({ client: (req as unknown as { auth: { client_id: string } }).auth.client_id });
    });
    const plain = createServer(async (req, res) => {
      const claims = await authenticate(verifier, req, res, 'write:agents');
      if (claims === undefined) return;
      res.end(JSON.stringify({ ok: claims.sub }));
    });
    const servers: Server[] = [];
    const listen = async (handler: Server | ReturnType<typeof express>) => {
      const s = handler instanceof Function ? createServer(handler) : handler;
      servers.push(s);
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    };
    try {
      const expressUrl = await listen(app);
      const plainUrl = await listen(plain);
      const read = await token('read:agents');
      expect(
        await (await fetch(`${expressUrl}/x`, { headers: { authorization: `Bearer ${read}` } })).json(),
      ).toEqual({ client: worker.clientId });
      expect((await fetch(`${expressUrl}/x`)).status).toBe(401);
      expect((await fetch(`${plainUrl}/`, { headers: { authorization: `Bearer ${read}` } })).status).toBe(
        403,
      );
      const write = await token('write:agents');
      expect((await fetch(`${plainUrl}/`, { headers: { authorization: `Bearer ${write}` } })).status).toBe(
        200,
      );
    } finally {
      for (const s of servers) await new Promise((resolve) => s.close(resolve));
    }
  });
});
