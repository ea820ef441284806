import { type Header, wire } from './headers.js';
import { randomText } from './inputs.js';
import type { Prng } from './prng.js';

/** One request, byte for byte, and what the judge needs to know about it. */
export interface FuzzRequest {
  readonly method: string;
  /** HTTP/1.1, or a version the server must refuse. */
  readonly version: string;
  /** The request target as sent (latin1: one character per byte). */
  readonly target: string;
  readonly headers: readonly Header[];
  readonly body: Buffer;
  /** Drop the connection after the answer (the framing may leave bytes the server reads as a next request). */
  readonly close: boolean;
  /** The route path the request is meant for, unless its target was disguised or broken. */
  readonly routedPath: string | undefined;
}

/** HTTP framing gone wrong: versions, Host, bad bytes in headers, chunking, lengths. */
export function breakFraming(rng: Prng, request: FuzzRequest): FuzzRequest {
  const headers = [...request.headers];
  let { method, version, target, body, routedPath } = request;
  switch (rng.int(0, 9)) {
    case 0:
      version = rng.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'HTTP/9.9', 'http/1.1', '']);
      break;
    case 1:
      headers.push([
        'Host',
        rng.pick(['', 'evil.example', '127.0.0.1:1', wire(randomText(rng, 8)).replace(/[\r\n]/g, '')]),
      ]);
      break;
    case 2:
      headers.push([
        rng.pick(['X-Bad', 'Cookie', 'Authorization', 'User-Agent']),
        `a${rng.pick(['\u0000', '\r', '\n', '\u0001', '\u007f'])}b`,
      ]);
      break;
    case 3:
      headers.push([rng.pick(['Bad Name', 'X(y)', '', 'Ünïcode', 'X:Y']), 'v']);
      break;
    case 4:
      headers.push(['X-Folded', 'a\r\n  b']);
      break;
    case 5:
      headers.push([
        'Transfer-Encoding',
        rng.pick(['chunked', 'gzip, chunked', 'identity', 'chunked, chunked']),
      ]);
      body = Buffer.concat([
        Buffer.from(`${body.length.toString(16)}\r\n`),
        body,
        Buffer.from('\r\n0\r\n\r\n'),
      ]);
      break;
    case 6:
      headers.push([
        'Content-Length',
        rng.pick(['-1', 'abc', '1e3', '0x10', `${body.length}, ${body.length}`]),
      ]);
      break;
    case 7:
      method = rng.pick(['', ' ', 'GET GET', 'G\u0000T', wire(randomText(rng, 6)).replace(/[\r\n ]/g, '')]);
      // "GET GET /me": the path is no longer the second word of the request line.
      if (method.trim().includes(' ')) routedPath = undefined;
      break;
    case 8:
      target = rng.pick(['*', '', ' ', `${target} x`, `${target}\u0000`, target.replace('/', '')]);
      routedPath = undefined;
      break;
    default:
      headers.push(['Expect', rng.pick(['100-continue', 'nothing'])]);
  }
  return { ...request, method, version, target, headers, body, close: true, routedPath };
}

/** The bytes on the wire. Content-Length is added unless the request sets its own framing. */
export function serialize(request: FuzzRequest, port: number): Buffer {
  const lines = [`${request.method} ${request.target} ${request.version}`.trimEnd()];
  const names = new Set(request.headers.map(([name]) => name.toLowerCase()));
  if (!names.has('host')) lines.push(`Host: 127.0.0.1:${port}`);
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (
    !names.has('content-length') &&
    !names.has('transfer-encoding') &&
    (request.body.length > 0 || request.method === 'POST')
  )
    lines.push(`Content-Length: ${request.body.length}`);
  if (request.close) lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), request.body]);
}
