import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createVerifier } from '@tessera/verify';
import { authenticate } from '@tessera/verify/node-http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import { type ListeningServer, runProgram, startListeningServer } from './listening-server.js';

/** The two machine-to-machine clients: Python stdlib urllib and Node fetch, each its own process. */
const clients = {
  python: { command: 'python3', program: fileURLToPath(new URL('./clients/m2m_client.py', import.meta.url)) },
  node: {
    command: process.execPath,
    program: fileURLToPath(new URL('./clients/m2m_client.mjs', import.meta.url)),
  },
} as const;

interface ClientOutput {
  access_token: string;
  token_type: string;
  expires_in: number;
  calls: Array<{ method: string; url: string; status: number; body: Record<string, unknown> }>;
}

/** A small API of the kind these clients call, protected by @tessera/verify (node:http adapter). */
async function startAgentsApi(issuer: string): Promise<{ url: string; close(): Promise<void> }> {
  const verifier = createVerifier({ issuer, audience: issuer });
  const routes: Record<string, string> = {
    'GET /agents': 'read:agents',
    'POST /agents': 'write:agents',
    'GET /analytics': 'read:analytics',
  };
  const server: Server = createServer((req, res) => {
    const scope = routes[`${req.method} ${req.url}`];
    if (scope === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    authenticate(verifier, req, res, scope).then(
      (claims) => {
        if (claims === undefined) return;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok: true, sub: claims.sub, route: `${req.method} ${req.url}` }));
      },
      (error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describeEachDialect('compat: machine-to-machine clients (client_credentials as JSON)', (dialect) => {
  let listening: ListeningServer;
  let api: { url: string; close(): Promise<void> };
  let clientId: string;
  let clientSecret: string;
  let resourceServer: { id: string; secret: string };

  beforeAll(async () => {
    listening = await startListeningServer(dialect);
    const { services } = listening.server;
    for (const scope of ['read:agents', 'write:agents', 'read:analytics'])
      await services.scopes.create(scope, { description: `${scope} scope` }, { actor: 'test' });
    const issued = await services.clients.create(
      {
        name: 'agents-worker',
        type: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['read:agents', 'write:agents'],
      },
      { actor: 'test' },
    );
    clientId = issued.client.id;
    clientSecret = issued.secret as string;
    const rs = await services.clients.create(
      { name: 'agents-api', type: 'confidential', grantTypes: ['client_credentials'], introspection: true },
      { actor: 'test' },
    );
    resourceServer = { id: rs.client.id, secret: rs.secret as string };
    api = await startAgentsApi(listening.baseUrl);
  });
  afterAll(async () => {
    await api.close();
    await listening.close();
  });

  /** RFC 7662 introspection with the resource server's own credentials (client_secret_basic). */
  async function introspect(token: string): Promise<Record<string, unknown>> {
    const credentials = Buffer.from(
      `${encodeURIComponent(resourceServer.id)}:${encodeURIComponent(resourceServer.secret)}`,
    ).toString('base64');
    const response = await fetch(`${listening.baseUrl}/oauth/introspect`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${credentials}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  for (const [name, { command, program }] of Object.entries(clients)) {
    it(`the ${name} client gets a Bearer token for 3600 s with the client's scopes, calls the protected API, and reads invalid_client for a wrong secret`, async () => {
      const run = await runProgram(command, [
        program,
        `${listening.baseUrl}/oauth/token`,
        clientId,
        clientSecret,
        'GET',
        `${api.url}/agents`,
        'POST',
        `${api.url}/agents`,
        'GET',
        `${api.url}/analytics`,
      ]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const output = JSON.parse(run.stdout) as ClientOutput;
      expect(output).toMatchObject({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
      });

      const introspection = await introspect(output.access_token);
      expect(introspection).toMatchObject({ active: true, client_id: clientId, sub: clientId });
      expect(String(introspection.scope).split(' ').sort()).toEqual(['read:agents', 'write:agents']);

      expect(output.calls.map((c) => [c.method, c.status])).toEqual([
        ['GET', 200],
        ['POST', 200],
        ['GET', 403],
      ]);
      expect(output.calls[0]?.body).toEqual({ ok: true, sub: clientId, route: 'GET /agents' });
      expect(output.calls[2]?.body).toMatchObject({ error: 'insufficient_scope' });

      const wrong = await runProgram(command, [
        program,
        `${listening.baseUrl}/oauth/token`,
        clientId,
        'wrong-secret',
      ]);
      expect(wrong.code).toBe(2);
      expect(JSON.parse(wrong.stdout)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });
  }

  it('the protected API answers 401 for a missing, malformed or forged token', async () => {
    const run = await runProgram(clients.node.command, [
      clients.node.program,
      `${listening.baseUrl}/oauth/token`,
      clientId,
      clientSecret,
    ]);
    const [header, payload] = (JSON.parse(run.stdout) as ClientOutput).access_token.split('.');
    for (const authorization of [undefined, 'Bearer not-a-jwt', `Bearer ${header}.${payload}.AAAA`]) {
      const response = await fetch(`${api.url}/agents`, {
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/);
    }
  });
});
