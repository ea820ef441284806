import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicClient, createSessionClient, TesseraError } from '@tessera/client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { describeEachDialect } from '../helpers/databases.js';
import { freePort } from '../helpers/listen.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

/** A listening server that remembers the Authorization header of every request it gets. */
async function recordingServer(): Promise<{ url: string; seen: (string | null)[]; server: Server }> {
  const seen: (string | null)[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers.authorization ?? null);
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

// Issue 13: client.fetch attached the bearer token to any URL, a third party's included.
describeEachDialect('@tessera/client sends the access token only to the origins the app names', (dialect) => {
  let server: TestServer;
  let issuer: string;
  const others: Server[] = [];

  beforeEach(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startTestServer(dialect, { env: { TESSERA_ISSUER: issuer }, clock: systemClock });
    await server.app.listen({ port, host: '127.0.0.1' });
    await createPerson(server.services, { username: 'alice' });
  });
  afterEach(async () => {
    for (const other of others.splice(0)) await new Promise((resolve) => other.close(resolve));
    await server.close();
  });

  it('the issuer and apiOrigins get the token; any other origin is refused before a request is sent', async () => {
    const api = await recordingServer();
    const thirdParty = await recordingServer();
    others.push(api.server, thirdParty.server);
    const client = createSessionClient({ baseUrl: issuer, apiOrigins: [api.url] });
    await client.login('alice', 'correct horse battery');
    const bearer = `Bearer ${await client.getAccessToken()}`;

    expect((await client.fetch(`${issuer}/me`)).status).toBe(200);
    expect((await client.fetch(`${api.url}/agents?page=2`)).status).toBe(200);
    expect(api.seen).toEqual([bearer]);

    const refused = await client.fetch(`${thirdParty.url}/collect`).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TesseraError);
    expect(refused).toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    // Same host, another port: another origin.
    await expect(client.fetch(new Request(`${thirdParty.url}/`, { method: 'POST' }))).rejects.toMatchObject({
      code: 'ORIGIN_NOT_ALLOWED',
    });
    expect(thirdParty.seen).toEqual([]);
  });

  it('apiOrigins must be origins: a path, a query or another scheme is refused when the client is made', () => {
    for (const bad of [
      'https://api.example.com/v1',
      'https://api.example.com/?x=1',
      'ftp://api.example.com',
      'api',
    ]) {
      expect(() => createSessionClient({ baseUrl: issuer, apiOrigins: [bad] })).toThrow(TypeError);
      expect(() =>
        createPublicClient({
          issuer,
          clientId: 'spa',
          redirectUri: 'http://127.0.0.1:9/cb',
          apiOrigins: [bad],
        }),
      ).toThrow(TypeError);
    }
    expect(() =>
      createSessionClient({ baseUrl: issuer, apiOrigins: ['https://api.example.com/'] }),
    ).not.toThrow();
  });
});
