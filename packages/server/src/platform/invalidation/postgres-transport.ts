import { createRequire } from 'node:module';
import type { Client } from 'pg';
import type { InvalidationTransport, TransportEvents } from './invalidation-bus.js';

export interface PostgresTransportOptions {
  readonly url: string;
  /** At most 63 bytes (an identifier). */
  readonly channel: string;
  /** NOTIFY through the ordinary pool, after the change committed. */
  readonly notify: (channel: string, payload: string) => Promise<void>;
  /** Bounds connecting, LISTEN and the liveness check. */
  readonly timeoutMs: number;
}

const pingEveryMs = 10_000;
const maxBackoffMs = 5000;

/**
 * PostgreSQL LISTEN/NOTIFY, for deployments without Redis. The listening connection is a client of
 * its own, outside the pool (a pooled one would be handed to queries and lose its LISTEN). It is
 * replaced with backoff when it fails (pg_terminate_backend, a restart) or stops answering, and
 * every LISTEN that succeeds, the first included, is followed by a resync: NOTIFY keeps nothing
 * for a session that was not listening.
 */
export function postgresTransport(options: PostgresTransportOptions): InvalidationTransport {
  let events: TransportEvents | undefined;
  let current: Client | undefined;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let pinger: NodeJS.Timeout | undefined;

  const lost = (client: Client) => {
    if (client !== current) return;
    current = undefined;
    events?.connected(false);
    // Not a polite end(): a stalled peer would never answer it.
    client.connection.stream.destroy();
    if (closed) return;
    failures += 1;
    retry = setTimeout(open, Math.min(failures * 200, maxBackoffMs));
    retry.unref();
  };

  async function open(): Promise<void> {
    if (closed || events === undefined) return;
    const { Client: PgClient } = createRequire(import.meta.url)('pg') as typeof import('pg');
    const client = new PgClient({
      connectionString: options.url,
      connectionTimeoutMillis: options.timeoutMs,
      query_timeout: options.timeoutMs,
      keepAlive: true,
    });
    current = client;
    // Without a listener, an 'error' (a terminated backend) would end the process.
    client.on('error', () => lost(client));
    client.on('end', () => lost(client));
    client.on('notification', (message) => {
      if (client === current && message.channel === options.channel && message.payload !== undefined) {
        events?.receive(message.payload);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(options.channel)}`);
    } catch {
      lost(client);
      return;
    }
    if (client !== current) return;
    failures = 0;
    events.connected(true);
    events.resync();
  }

  return {
    name: 'postgres',
    send: (payload) => options.notify(options.channel, payload),
    listen(listener) {
      events = listener;
      void open();
      pinger = setInterval(() => {
        const client = current;
        client?.query('SELECT 1').catch(() => lost(client));
      }, pingEveryMs);
      pinger.unref();
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      clearInterval(pinger);
      const client = current;
      current = undefined;
      if (client === undefined) return;
      // A polite end (no "unexpected EOF" in PostgreSQL's log), but bounded: a stalled peer never answers.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        client.end().catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, options.timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      client.connection.stream.destroy();
    },
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
