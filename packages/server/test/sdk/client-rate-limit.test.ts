import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientCredentials, createSessionClient, RateLimitError } from '@tessera/client';
import { afterEach, describe, expect, it } from 'vitest';

/** One scripted answer: status, headers, JSON body. */
type Answer = readonly [status: number, headers: Record<string, string>, body?: unknown];

interface ScriptedServer {
  readonly url: string;
  /** Every request as `METHOD /path`, with the time it arrived. */
  readonly requests: { line: string; at: number }[];
  close(): Promise<void>;
}

/**
 * Not Tessera: a tiny node:http server answering each path from a script (the last answer repeats),
 * to pin down the SDK's 429 handling until Tessera's own rate limits land.
 */
async function scriptedServer(
  script: (url: string) => Record<string, readonly Answer[]>,
): Promise<ScriptedServer> {
  const requests: { line: string; at: number }[] = [];
  const served = new Map<string, number>();
  let answers: Record<string, readonly Answer[]> = {};
  const server = createServer(function scripted(request: IncomingMessage, response: ServerResponse) {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    requests.push({ line: `${request.method} ${path}`, at: Date.now() });
    request.resume();
    const list = answers[path];
    if (list === undefined) {
      response.writeHead(404).end();
      return;
    }
    const index = Math.min(served.get(path) ?? 0, list.length - 1);
    served.set(path, (served.get(path) ?? 0) + 1);
    const [status, headers, body] = list[index] as Answer;
    response
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(body === undefined ? '' : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  answers = script(url);
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const limited = (retryAfter: string): Answer => [
  429,
  { 'retry-after': retryAfter },
  { errors: [{ message: 'Too many requests', extensions: { code: 'RATE_LIMITED' } }] },
];
const loginBody = {
  user: { id: 'u1', username: 'alice' },
  access_token: 'header.eyJleHAiOjQxMDI0NDQ4MDB9.signature', // exp: 2100-01-01
  refresh_token: 'r1',
};

describe('@tessera/client on 429 Retry-After (bounded automatic waiting)', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('waits Retry-After and retries: 429 then 200 succeeds', async () => {
    server = await scriptedServer(() => ({ '/login': [limited('1'), [200, {}, loginBody]] }));
    const client = createSessionClient({ baseUrl: server.url });
    const started = Date.now();
    await expect(client.login('alice', 'pw')).resolves.toMatchObject({ username: 'alice' });
    expect(server.requests.map((r) => r.line)).toEqual(['POST /login', 'POST /login']);
    const [first, second] = server.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up with RateLimitError (retryAfter in seconds) after maxRetries, or at once when the wait would exceed maxWaitSeconds', async () => {
    server = await scriptedServer(() => ({ '/login': [limited('1')], '/slow/login': [limited('120')] }));
    const client = createSessionClient({ baseUrl: server.url, rateLimit: { maxRetries: 1 } });
    const error = await client.login('alice', 'pw').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfter: 1 });
    expect(server.requests).toHaveLength(2); // the first try and one retry

    // 120 s is beyond the default 10 s budget: no waiting at all.
    const slow = createSessionClient({ baseUrl: `${server.url}/slow` });
    const started = Date.now();
    await expect(slow.login('alice', 'pw')).rejects.toMatchObject({ retryAfter: 120 });
    expect(Date.now() - started).toBeLessThan(500);
    expect(server.requests).toHaveLength(3);
  });

  it('understands an HTTP-date Retry-After, and maxRetries: 0 turns the waiting off', async () => {
    server = await scriptedServer(() => ({
      '/login': [limited(new Date(Date.now() + 30_000).toUTCString())],
    }));
    const client = createSessionClient({ baseUrl: server.url, rateLimit: { maxRetries: 0 } });
    const error = (await client.login('alice', 'pw').catch((e: unknown) => e)) as RateLimitError;
    expect(error.retryAfter).toBeGreaterThanOrEqual(28);
    expect(error.retryAfter).toBeLessThanOrEqual(31);
    expect(server.requests).toHaveLength(1);
  });

  it('client.fetch to an app API: waits as well, then hands back the 429 like fetch would', async () => {
    server = await scriptedServer(() => ({
      '/login': [[200, {}, loginBody]],
      '/api/agents': [limited('0'), limited('0'), limited('0')],
      '/api/ok': [limited('0'), [200, {}, { ok: true }]],
    }));
    const client = createSessionClient({ baseUrl: server.url });
    await client.login('alice', 'pw');
    const response = await client.fetch(`${server.url}/api/agents`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(429);
    expect(server.requests.filter((r) => r.line === 'POST /api/agents')).toHaveLength(3);
    const ok = await client.fetch(`${server.url}/api/ok`);
    expect(await ok.json()).toEqual({ ok: true });
  });

  it('the client-credentials provider (oauth4webapi underneath) waits too', async () => {
    server = await scriptedServer((url) => ({
      '/.well-known/openid-configuration': [
        [200, {}, { issuer: url, token_endpoint: `${url}/oauth/token`, jwks_uri: `${url}/oauth/jwks` }],
      ],
      '/oauth/token': [
        [429, { 'retry-after': '1' }, { error: 'slow_down' }],
        [
          200,
          { 'cache-control': 'no-store' },
          { access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 },
        ],
      ],
    }));
    const provider = clientCredentials({ issuer: server.url, clientId: 'worker', clientSecret: 's3cret' });
    await expect(provider.getToken()).resolves.toBe('at-1');
    expect(server.requests.map((r) => r.line)).toEqual([
      'GET /.well-known/openid-configuration',
      'POST /oauth/token',
      'POST /oauth/token',
    ]);
  });
});
