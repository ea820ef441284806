import { randomUUID } from 'node:crypto';

/** What a cache can be told has changed. */
export const invalidationTopics = ['client', 'scope', 'user', 'key', 'identity-provider'] as const;
export type InvalidationTopic = (typeof invalidationTopics)[number];

/**
 * Called with the id that changed, or `undefined` when anything under the topic may have changed
 * (after a reconnect, when messages may have been missed, or another process wrote to SQLite).
 */
export type InvalidationHandler = (id: string | undefined) => void | Promise<void>;

/** What a write path needs: tell every process, this one included, that something changed. */
export interface InvalidationPublisher {
  /**
   * Called after the change committed. This process's subscribers run before it resolves; other
   * processes hear it as soon as the transport carries it. Never rejects: a message that cannot be
   * sent is reported, and the others' caches fall back to their TTLs.
   */
  publish(topic: InvalidationTopic, id?: string): Promise<void>;
}

export interface InvalidationBus extends InvalidationPublisher {
  subscribe(topic: InvalidationTopic, handler: InvalidationHandler): void;
  /** Starts hearing other processes (servers do; the CLI only publishes). */
  listen(): void;
  /** Whether other processes' messages can reach this one now (false before listen() and while disconnected). */
  readonly listening: boolean;
  close(): Promise<void>;
}

/** Carries encoded messages between processes: Redis pub/sub, PostgreSQL NOTIFY, or a SQLite poll. */
export interface InvalidationTransport {
  readonly name: string;
  send(payload: string): Promise<void>;
  listen(events: TransportEvents): void;
  close(): Promise<void>;
}

export interface TransportEvents {
  receive(payload: string): void;
  /** Messages may have been missed (a reconnect) or were never sent (a write seen only in the data). */
  resync(): void;
  /** The connection that hears others is up (subscribed) or down. */
  connected(up: boolean): void;
}

export type InvalidationEvent =
  | { readonly kind: 'send-failed'; readonly error: unknown }
  | { readonly kind: 'handler-failed'; readonly topic: InvalidationTopic; readonly error: unknown }
  | { readonly kind: 'connected' | 'disconnected' };

/** Ids longer than this are sent as "anything of the topic" (PostgreSQL's NOTIFY payload is bounded). */
const maxIdLength = 1000;

/**
 * The invalidation bus (STYLE C19): each process-local cache subscribes to the topics it holds, and
 * each write path publishes after its commit. Messages carry the sender's id, so a process does
 * not act twice on its own change.
 */
export function createInvalidationBus(
  transport: InvalidationTransport,
  report: (event: InvalidationEvent) => void,
): InvalidationBus {
  const self = randomUUID();
  const handlers = new Map<InvalidationTopic, InvalidationHandler[]>();
  let listening = false;
  let started = false;

  const deliver = async (topic: InvalidationTopic, id: string | undefined): Promise<void> => {
    await Promise.all(
      (handlers.get(topic) ?? []).map(async (handler) => {
        try {
          await handler(id);
        } catch (error) {
          report({ kind: 'handler-failed', topic, error });
        }
      }),
    );
  };
  const deliverAll = () => Promise.all(invalidationTopics.map((topic) => deliver(topic, undefined)));

  return {
    async publish(topic, id) {
      const local = deliver(topic, id);
      const shortId = id !== undefined && id.length <= maxIdLength ? id : undefined;
      const sent = transport.send(encode({ from: self, topic, id: shortId })).catch((error: unknown) => {
        report({ kind: 'send-failed', error });
      });
      await Promise.all([local, sent]);
    },
    subscribe(topic, handler) {
      handlers.set(topic, [...(handlers.get(topic) ?? []), handler]);
    },
    listen() {
      if (started) return;
      started = true;
      transport.listen({
        receive(payload) {
          const message = decode(payload);
          if (message !== undefined && message.from !== self) void deliver(message.topic, message.id);
        },
        resync() {
          void deliverAll();
        },
        connected(up) {
          if (up === listening) return;
          listening = up;
          report({ kind: up ? 'connected' : 'disconnected' });
        },
      });
    },
    get listening() {
      return listening;
    },
    async close() {
      listening = false;
      await transport.close();
    },
  };
}

interface Message {
  readonly from: string;
  readonly topic: InvalidationTopic;
  readonly id: string | undefined;
}

function encode(message: Message): string {
  return JSON.stringify(message);
}

/** A message from another process; anything else (a newer topic, garbage) is ignored. */
function decode(payload: string): Message | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { from, topic, id } = value as Record<string, unknown>;
  if (typeof from !== 'string' || !invalidationTopics.includes(topic as InvalidationTopic)) return undefined;
  if (id !== undefined && typeof id !== 'string') return undefined;
  return { from, topic: topic as InvalidationTopic, id };
}
