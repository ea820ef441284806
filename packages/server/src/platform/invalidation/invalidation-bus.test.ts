import { describe, expect, it } from 'vitest';
import {
  createInvalidationBus,
  type InvalidationEvent,
  type InvalidationTransport,
  type TransportEvents,
} from './invalidation-bus.js';

/** Two processes on one wire: what one sends, every listener receives (its own messages too, as Redis does). */
function wire() {
  const listeners: TransportEvents[] = [];
  let failing = false;
  const transport = (): InvalidationTransport => ({
    name: 'test',
    async send(payload) {
      if (failing) throw new Error('wire down');
      for (const listener of listeners) listener.receive(payload);
    },
    listen(events) {
      listeners.push(events);
      events.connected(true);
    },
    async close() {},
  });
  return {
    transport,
    listeners,
    fail: (on: boolean) => {
      failing = on;
    },
  };
}

describe('invalidation bus', () => {
  it('runs this process’s handlers before publish resolves, and the other process’s once', async () => {
    const { transport } = wire();
    const a = createInvalidationBus(transport(), () => undefined);
    const b = createInvalidationBus(transport(), () => undefined);
    const seenA: (string | undefined)[] = [];
    const seenB: (string | undefined)[] = [];
    a.subscribe('client', (id) => void seenA.push(id));
    b.subscribe('client', (id) => void seenB.push(id));
    a.listen();
    b.listen();
    expect(a.listening).toBe(true);

    await a.publish('client', 'c1');
    // A's own message came back over the wire and was not acted on twice.
    expect(seenA).toEqual(['c1']);
    expect(seenB).toEqual(['c1']);
  });

  it('a process that does not listen (the CLI) still publishes', async () => {
    const { transport } = wire();
    const cli = createInvalidationBus(transport(), () => undefined);
    const server = createInvalidationBus(transport(), () => undefined);
    const seen: (string | undefined)[] = [];
    server.subscribe('key', (id) => void seen.push(id));
    server.listen();
    expect(cli.listening).toBe(false);
    await cli.publish('key');
    expect(seen).toEqual([undefined]);
  });

  it('a resync tells every topic that anything may have changed', async () => {
    const { transport, listeners } = wire();
    const bus = createInvalidationBus(transport(), () => undefined);
    const seen: string[] = [];
    bus.subscribe('client', (id) => void seen.push(`client:${id}`));
    bus.subscribe('key', (id) => void seen.push(`key:${id}`));
    bus.listen();
    listeners[0]?.resync();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.sort()).toEqual(['client:undefined', 'key:undefined']);
  });

  it('a failed send or handler is reported, never thrown; local handlers still run', async () => {
    const { transport, fail } = wire();
    const events: InvalidationEvent[] = [];
    const bus = createInvalidationBus(transport(), (event) => events.push(event));
    const seen: (string | undefined)[] = [];
    bus.subscribe('client', (id) => void seen.push(id));
    bus.subscribe('client', () => {
      throw new Error('handler broke');
    });
    fail(true);
    await expect(bus.publish('client', 'c2')).resolves.toBeUndefined();
    expect(seen).toEqual(['c2']);
    expect(events.map((e) => e.kind).sort()).toEqual(['handler-failed', 'send-failed']);
  });

  it('ignores what it cannot read: garbage, unknown topics, foreign shapes', async () => {
    const { transport, listeners } = wire();
    const bus = createInvalidationBus(transport(), () => undefined);
    const seen: (string | undefined)[] = [];
    bus.subscribe('client', (id) => void seen.push(id));
    bus.listen();
    const listener = listeners[0] as TransportEvents;
    listener.receive('not json');
    listener.receive(JSON.stringify({ from: 'x', topic: 'tenant', id: 'a' }));
    listener.receive(JSON.stringify({ from: 'x', topic: 'client', id: 42 }));
    listener.receive(JSON.stringify({ from: 'x', topic: 'client', id: 'ok' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['ok']);
  });
});
