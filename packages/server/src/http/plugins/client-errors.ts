import { STATUS_CODES } from 'node:http';
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
  const target = /^[A-Z]+ (\S+) HTTP\//.exec(requestLine)?.[1] ?? '';
  const body = JSON.stringify(
    onSessionApi(target)
      ? envelope(reason, 'BAD_REQUEST')
      : { error: 'invalid_request', error_description: reason.toLowerCase() },
  );
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}
