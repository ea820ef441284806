import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError } from 'fastify';
import { envelope } from '../errors/session-error-response.js';
import { onSessionApi } from '../session-api/paths.js';

/**
 * Answers a request Node refused before Fastify saw it (headers too large: 431, malformed: 400)
 * in the shape its endpoint speaks: the session API's envelope on its paths, RFC 6749's error
 * object elsewhere. The request line, when Node read it, says which.
 */
export function answerClientError(error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const reason = STATUS_CODES[status] as string;
  // Fastify types rawPacket as a serialised Buffer; Node hands over the Buffer itself.
  const raw = error.rawPacket as unknown as Buffer | undefined;
  const packet = raw === undefined ? '' : Buffer.from(raw).toString('latin1');
  const body = JSON.stringify(errorBody(refusedPath(packet, error.bytesParsed ?? packet.length), reason));
  // At the end of the turn, like the OAuth endpoints' answers (batched-writes.ts): a request
  // pipelined before this one, answered in this turn, is written first.
  setImmediate(endWith, socket, status, reason, body);
}

function endWith(socket: Socket, status: number, reason: string, body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Node's 'checkExpectation': an `Expect` other than 100-continue. Without a listener Node answers
 * 417 with no body at all; this answers it in the path's shape, like any other refusal.
 */
export function answerUnmetExpectation(request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify(
    errorBody((request.url ?? '').split('?', 1)[0] as string, 'Expectation Failed'),
  );
  response.writeHead(417, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    connection: 'close',
  });
  response.end(body);
}

/**
 * The path of the request Node refused, from the bytes of its last read. They may begin with the
 * request before it on a kept-alive connection (pipelined), or with the end of that request's body
 * (answered before it was read: a refusal before the body, like the APIs' authentication). In
 * order: a request line where the error is (an unknown or lower-case method); the last request
 * start before the error, well-formed or not (the error is in its line or in a header); the start
 * of the bytes, read leniently (a line cut short by the size limit). Methods are short, and
 * bounding the letters keeps this linear on a long run of capitals (a Basic header of 64 KB took
 * 3 s with an unbounded `[A-Z]+`, the event loop blocked meanwhile).
 */
function refusedPath(packet: string, errorAt: number): string {
  const starts = [...packet.slice(0, errorAt).matchAll(/[A-Z]{1,16} +(\/[^ \r\n]*)/g)];
  const target =
    /^[A-Za-z]{1,16} +(\/[^ \r\n]*)/.exec(packet.slice(errorAt))?.[1] ??
    starts.at(-1)?.[1] ??
    /^[^ \r\n]* +(\/[^ \r\n]*)/.exec(packet)?.[1] ??
    '';
  return target.split('?', 1)[0] as string;
}

function errorBody(path: string, reason: string) {
  return onSessionApi(path)
    ? envelope(reason, 'BAD_REQUEST')
    : { error: 'invalid_request', error_description: reason.toLowerCase() };
}
