import type { InvalidationTransport } from './invalidation-bus.js';

/**
 * For SQLite, where the only other process is the CLI writing to the same file: nothing is sent,
 * and the server polls a number that moves only when another connection commits (SQLite's
 * `PRAGMA data_version`, which costs microseconds and no I/O). When it moves, everything is
 * invalidated once: CLI writes are rare, and a resync is cheap.
 */
export function versionPollTransport(
  readVersion: () => Promise<number>,
  everyMs: number,
): InvalidationTransport {
  let timer: NodeJS.Timeout | undefined;
  let last: number | undefined;
  let polling = false;

  return {
    name: 'sqlite',
    send: () => Promise.resolve(),
    listen(events) {
      const poll = async () => {
        if (polling) return;
        polling = true;
        try {
          const version = await readVersion();
          if (last === undefined) events.connected(true);
          else if (version !== last) events.resync();
          last = version;
        } catch {
          // The database is the same file as every request's: a failure here fails them too.
        } finally {
          polling = false;
        }
      };
      void poll();
      timer = setInterval(poll, everyMs);
      timer.unref();
    },
    async close() {
      clearInterval(timer);
    },
  };
}
