import { connect, type Socket } from 'node:net';

/**
 * An HTTP/1.1 client over a bare socket: it sends exactly the bytes it is given (bad bytes,
 * duplicated or malformed headers, wrong framing), which Node's own client refuses to, and
 * parses the one answer, keeping the connection for the next request while the server does.
 */
export interface RawResponse {
  readonly status: number;
  /** Header names in lower case; a repeated header keeps every value. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Buffer;
  /** The server closed the connection after this answer. */
  readonly closed: boolean;
}

export class NoAnswer extends Error {
  override readonly name = 'NoAnswer';
}

export class RawConnection {
  readonly #port: number;
  readonly #timeoutMs: number;
  #socket: Socket | undefined;

  constructor(port: number, timeoutMs: number) {
    this.#port = port;
    this.#timeoutMs = timeoutMs;
  }

  /** Sends `bytes` and reads one answer (after any 1xx); `close` drops the connection after it. */
  async exchange(bytes: Buffer, options: { head: boolean; close: boolean }): Promise<RawResponse> {
    const reused = this.#socket !== undefined;
    try {
      return await this.#exchangeOnce(bytes, options);
    } catch (error) {
      // A kept-alive connection the server closed just before this request: once more, fresh.
      if (reused && error instanceof NoAnswer && error.message.startsWith('closed with nothing'))
        return this.#exchangeOnce(bytes, options);
      throw error;
    }
  }

  /** A connection is open, kept alive from the last exchange. */
  get isOpen(): boolean {
    return this.#socket !== undefined && !this.#socket.destroyed && !this.#socket.readableEnded;
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  async #open(): Promise<Socket> {
    const open = this.#socket;
    if (open !== undefined && !open.destroyed && !open.readableEnded) return open;
    this.close();
    const socket = connect({ host: '127.0.0.1', port: this.#port, noDelay: true });
    // Between exchanges too: a reset of an idle connection must not become an uncaught 'error'.
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve).once('error', reject);
    });
    this.#socket = socket;
    return socket;
  }

  async #exchangeOnce(bytes: Buffer, options: { head: boolean; close: boolean }): Promise<RawResponse> {
    const socket = await this.#open();
    const response = await new Promise<RawResponse>((resolve, reject) => {
      let received = Buffer.alloc(0);
      let ended = false;
      const finish = (outcome: RawResponse | Error) => {
        clearTimeout(timer);
        socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const tryParse = () => {
        const parsed = parseResponse(received, options.head, ended);
        if (parsed === 'incomplete') {
          if (ended)
            finish(
              new NoAnswer(
                received.length === 0
                  ? 'closed with nothing sent back'
                  : `closed mid-answer: ${JSON.stringify(received.subarray(0, 200).toString('latin1'))}`,
              ),
            );
          return;
        }
        finish({ ...parsed, closed: ended || parsed.closed });
      };
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        tryParse();
      };
      const onEnd = () => {
        ended = true;
        tryParse();
      };
      const onError = () => onEnd();
      const timer = setTimeout(
        () => finish(new NoAnswer(`no answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      socket.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError);
      socket.write(bytes, (error) => {
        if (error != null) onEnd();
      });
    }).catch((error: unknown) => {
      this.close();
      throw error;
    });
    if (response.closed || options.close) this.close();
    return response;
  }
}

type Parsed = Omit<RawResponse, 'closed'> & { closed: boolean };

/** One answer from the start of `data`, skipping interim 1xx answers; 'incomplete' until it is all there. */
export function parseResponse(data: Buffer, head: boolean, ended: boolean): Parsed | 'incomplete' {
  let offset = 0;
  for (;;) {
    const headerEnd = data.indexOf('\r\n\r\n', offset, 'latin1');
    if (headerEnd === -1) return 'incomplete';
    const lines = data.subarray(offset, headerEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? Number.NaN);
    if (Number.isNaN(status)) throw new NoAnswer(`not an HTTP answer: ${JSON.stringify(lines[0])}`);
    const headers = new Map<string, string[]>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
    }
    const bodyStart = headerEnd + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    const closed = headers.get('connection')?.some((v) => v.toLowerCase() === 'close') ?? false;
    if (head || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0), closed };
    if (headers.get('transfer-encoding')?.some((v) => /chunked/i.test(v))) {
      const body = dechunk(data.subarray(bodyStart));
      return body === undefined ? 'incomplete' : { status, headers, body, closed };
    }
    const length = headers.get('content-length')?.[0];
    if (length !== undefined) {
      const end = bodyStart + Number(length);
      return data.length < end
        ? 'incomplete'
        : { status, headers, body: data.subarray(bodyStart, end), closed };
    }
    return ended ? { status, headers, body: data.subarray(bodyStart), closed: true } : 'incomplete';
  }
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset, 'latin1');
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    const start = lineEnd + 2;
    if (size === 0) return data.indexOf('\r\n', start, 'latin1') === -1 ? undefined : Buffer.concat(parts);
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    offset = start + size + 2;
  }
}
