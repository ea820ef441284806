// Issue 15, item 9: what the fuzzer (test/fuzz/) found answered outside its route's error shape,
// each fixed in src/http and kept fixed here. Nothing here depends on the storage dialect.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const envelope = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });

describe('error shapes the fuzzer found wrong', () => {
  let server: TestServer;
  let port: number;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    port = (server.app.server.address() as { port: number }).port;
  });
  afterAll(() => server.close());

  /** Sends raw bytes and returns the status and body of the one answer (the server closes after it). */
  function raw(request: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => socket.end(request));
      let data = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => {
        data += chunk;
      });
      socket.on('error', reject).on('close', () => {
        resolve({ status: Number(data.slice(9, 12)), body: data.slice(data.indexOf('\r\n\r\n') + 4) });
      });
      socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    });
  }

  // Cause: the root error handler was set after useCors added the preflight route (OPTIONS *),
  // which kept Fastify's default handler: {"statusCode","code","error","message"}.
  it('a CORS preflight with a body it cannot parse: the OAuth error, or the envelope on the session API', async () => {
    const oauth = await server.app.inject({
      method: 'OPTIONS',
      url: '/oauth/jwks',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    });
    expect({ status: oauth.statusCode, body: oauth.json() }).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'request body is not valid JSON' },
    });
    const session = await server.app.inject({
      method: 'OPTIONS',
      url: '/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    });
    expect({ status: session.statusCode, body: session.json() }).toEqual({
      status: 400,
      body: envelope('Request body is not valid JSON', 'BAD_REQUEST'),
    });
  });

  // Cause: an unrouted method on a session API path still has its body parsed, and the root
  // error handler answered every path in RFC 6749's shape.
  it('an unrouted method with a bad body on a session API path answers in the envelope', async () => {
    const response = await server.app.inject({
      method: 'PUT',
      url: '/me',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    });
    expect(response.json()).toEqual(envelope('Request body is not valid JSON', 'BAD_REQUEST'));
  });

  // Cause: client-errors.ts read the path only from a request line of an upper-case method, a
  // target without spaces and a version; anything else fell back to RFC 6749's shape.
  it.each([
    ['a lower-case method', 'get /login HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['no method', ' /token HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a space in the query', 'GET /me?a=b c HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a control character in the method', 'G\u0001T /logout HTTP/1.1\r\nHost: x\r\n\r\n'],
  ])('a request Node refuses on a session API path, with %s, answers in the envelope', async (_, request) => {
    const answer = await raw(request);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual(envelope('Bad Request', 'BAD_REQUEST'));
  });

  // Cause: Node hands over the bytes of its last read, which on a kept-alive connection may begin
  // with the request before (pipelined, or the tail of a body still arriving when it was answered).
  it.each([
    ['a bad header', 'GET /me HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n'],
    ['a lower-case method', 'get /me HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a byte outside ASCII in its request line', 'GET /me?a\u00c3=b HTTP/1.1\r\nHost: x\r\n\r\n'],
  ])(
    'a request refused for %s after another on the same connection answers in its path’s shape',
    async (_, refused) => {
      const pipelined = await raw(
        `POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody${refused}`,
      );
      const last = pipelined.body.slice(pipelined.body.lastIndexOf('HTTP/1.1 '));
      expect(last.startsWith('HTTP/1.1 400')).toBe(true);
      expect(JSON.parse(last.slice(last.indexOf('\r\n\r\n') + 4))).toEqual(
        envelope('Bad Request', 'BAD_REQUEST'),
      );
    },
  );

  // Cause: without a 'checkExpectation' listener Node answers 417 itself, with no body at all.
  it('an Expect header other than 100-continue: 417 in the path’s shape', async () => {
    const session = await raw('GET /me HTTP/1.1\r\nHost: x\r\nExpect: nothing\r\n\r\n');
    expect(session.status).toBe(417);
    expect(JSON.parse(session.body)).toEqual(envelope('Expectation Failed', 'BAD_REQUEST'));
    const oauth = await raw(
      'POST /oauth/token HTTP/1.1\r\nHost: x\r\nExpect: nothing\r\nContent-Length: 0\r\n\r\n',
    );
    expect(oauth.status).toBe(417);
    expect(JSON.parse(oauth.body)).toEqual({
      error: 'invalid_request',
      error_description: 'expectation failed',
    });
  });

  // Cause: Fastify answers a URL it cannot decode (FST_ERR_BAD_URL) with its own error object,
  // which quoted the whole URL, query and all (codes and tokens travel there).
  it('a URL that cannot be decoded: invalid_request, and the URL is not echoed', async () => {
    const answer = await raw('GET http://127.0.0.1/consent?code=secret-code#x HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({
      error: 'invalid_request',
      error_description: 'malformed request',
    });
    expect(answer.body).not.toContain('secret-code');
  });
});
