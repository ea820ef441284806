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
  const requestLine = raw === undefined ? '' : Buffer.from(raw).toString('latin1');
  // The path alone, read leniently: the request line is what Node could not parse (an unknown or
  // lower-case method, a space or raw byte in the query, a line cut short by the size limit).
  const path = /^[^ \r\n]* +(\/[^ ?\r\n]*)/.exec(requestLine)?.[1] ?? '';
  const body = JSON.stringify(errorBody(path, reason));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Node's 'checkExpectation': an `Expect` other than 100-continue. Without a listener Node answers
 * 417 with no body at all; this answers it in the path's shape, as any other refusal.
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

function errorBody(path: string, reason: string) {
  return onSessionApi(path)
    ? envelope(reason, 'BAD_REQUEST')
    : { error: 'invalid_request', error_description: reason.toLowerCase() };
}
