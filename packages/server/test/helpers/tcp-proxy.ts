import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of PostgreSQL or Redis, so a test can make the dependency fail
 * the way it fails in production without stopping the machine's shared server:
 * - `cut()`: every open connection is reset and new ones are refused (a restart, a network cut);
 * - `stall()`: connections stay open but no byte passes either way (`kill -STOP`, a full queue);
 * - `restore()`: back to normal; clients reconnect by themselves.
 */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** The target URL with its port replaced by the proxy's. */
  url(targetUrl: string): string;
  cut(): void;
  stall(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let state: 'open' | 'cut' | 'stalled' = 'open';
  const pairs = new Set<[Socket, Socket]>();

  const server: Server = createServer((client) => {
    if (state === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (state === 'open') linkPair(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    port: address.port,
    url(targetUrl) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(address.port);
      return url.href;
    },
    cut() {
      state = 'cut';
      for (const [client, upstream] of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    stall() {
      state = 'stalled';
      for (const pair of pairs) unlinkPair(pair);
    },
    restore() {
      if (state === 'stalled') for (const pair of pairs) linkPair(pair);
      state = 'open';
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function linkPair([client, upstream]: [Socket, Socket]): void {
  client.pipe(upstream);
  upstream.pipe(client);
}

/** Unpiped and paused, a socket stops reading, so nothing passes either way (pause alone is undone by pipe). */
function unlinkPair([client, upstream]: [Socket, Socket]): void {
  client.unpipe(upstream);
  upstream.unpipe(client);
  client.pause();
  upstream.pause();
}
