import type { Redis } from 'ioredis';
import type { InvalidationTransport, TransportEvents } from './invalidation-bus.js';

export interface RedisTransportOptions {
  /** The process's ordinary connection: PUBLISH goes through it. */
  readonly publisher: Redis;
  /** Opens the listening connection (platform/redis.ts, so timeouts and logging match). */
  readonly connect: () => Redis;
  readonly channel: string;
  /** How long a publish waits for the first connection to open (the CLI publishes right after start). */
  readonly readyWaitMs: number;
}

/**
 * A half-open connection (a peer gone without a reset) looks subscribed for hours; a PING on the
 * subscriber shows it, and the connection is replaced.
 */
const pingEveryMs = 10_000;

/**
 * Redis pub/sub. The subscriber is a connection of its own: one in subscribe mode runs no other
 * command. ioredis reconnects it with backoff and subscribes again; every subscription that
 * succeeds (the first included) is followed by a resync, since messages sent while it was down
 * are lost, and Redis keeps none.
 */
export function redisTransport(options: RedisTransportOptions): InvalidationTransport {
  const { publisher, channel } = options;
  let subscriber: Redis | undefined;
  let pinger: NodeJS.Timeout | undefined;
  // Only the first connection is waited for: during an outage a publish fails at once instead.
  let opened = publisher.status === 'ready';
  publisher.once('ready', () => {
    opened = true;
  });

  return {
    name: 'redis',
    async send(payload) {
      if (!opened) await whenReady(publisher, options.readyWaitMs);
      await publisher.publish(channel, payload);
    },
    listen(events) {
      const connection = options.connect();
      subscriber = connection;
      connection.on('message', (from: string, payload: string) => {
        if (from === channel) events.receive(payload);
      });
      connection.on('ready', () => subscribe(connection, channel, events));
      connection.on('close', () => events.connected(false));
      pinger = setInterval(() => {
        if (connection.status === 'ready') connection.ping().catch(() => dropConnection(connection));
      }, pingEveryMs);
      pinger.unref();
    },
    async close() {
      clearInterval(pinger);
      subscriber?.disconnect();
      subscriber = undefined;
    },
  };
}

function subscribe(connection: Redis, channel: string, events: TransportEvents): void {
  connection.subscribe(channel).then(
    () => {
      events.connected(true);
      events.resync();
    },
    () => dropConnection(connection),
  );
}

/** Closes the socket at once (not a polite QUIT a stalled peer never answers); ioredis reconnects. */
function dropConnection(connection: Redis): void {
  // Undefined before the first connect, whatever the type says.
  connection.stream?.destroy();
}

function whenReady(redis: Redis, waitMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    // Past the wait the publish is tried anyway and fails at once (no offline queue): reported.
    const timer = setTimeout(done, waitMs);
    redis.once('ready', done);
  });
}
