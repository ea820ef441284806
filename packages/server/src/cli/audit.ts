import { setTimeout as delay } from 'node:timers/promises';
import type { AuditEvent } from '../audit/audit-event.js';
import { auditEventJson } from '../presenters/audit-event.js';
import type { Services } from '../services.js';
import { optionalInteger, parse } from './args.js';
import { type CliContext, UsageError, withServices } from './context.js';

export const auditUsage = `tessera audit tail [--limit N] [--follow]   (newest N events, default 20; --follow keeps printing)`;

const defaultLimit = 20;
const maxLimit = 10_000;
const pollIntervalMs = 1000;
const pollBatch = 100;

type StoredEvent = AuditEvent & { seq: number };

export async function auditCommand(ctx: CliContext, args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'tail') throw new UsageError(`unknown audit command '${action ?? ''}'\n${auditUsage}`);
  const { values, positionals } = parse(rest, { limit: { type: 'string' }, follow: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const limit = optionalInteger(values.limit, '--limit') ?? defaultLimit;
  if (limit > maxLimit) throw new UsageError(`--limit must be at most ${maxLimit}`);
  const write = (event: StoredEvent) =>
    ctx.stdout.write(`${values.json === true ? JSON.stringify(auditEventJson(event)) : eventLine(event)}\n`);

  await withServices(ctx, async (services) => {
    const recent = limit === 0 ? [] : await services.audit.tail(limit);
    for (const event of recent) write(event);
    if (values.follow !== true) return;
    const newest = limit === 0 ? await services.audit.tail(1) : recent;
    await follow(services, newest.at(-1)?.seq ?? 0, write, ctx.signal);
  });
  return 0;
}

/** Polls for events after `lastSeq` until SIGINT, SIGTERM or `signal` ends it. */
async function follow(
  services: Services,
  lastSeq: number,
  write: (event: StoredEvent) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const stop = stopSignal(signal);
  try {
    let seq = lastSeq;
    while (!stop.signal.aborted) {
      // Rejects only when aborted; the loop condition then ends it.
      await delay(pollIntervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted) break;
      let batch: StoredEvent[];
      do {
        batch = await services.audit.after(seq, pollBatch);
        for (const event of batch) {
          write(event);
          seq = event.seq;
        }
      } while (batch.length === pollBatch && !stop.signal.aborted);
    }
  } finally {
    stop.dispose();
  }
}

/** One signal for "stop following": the caller's, or the process being interrupted or terminated. */
function stopSignal(external: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  if (external?.aborted) abort();
  external?.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
      external?.removeEventListener('abort', abort);
    },
  };
}

function eventLine(event: StoredEvent): string {
  const or = (value: string | null) => value ?? '-';
  return [
    event.occurredAt.toISOString(),
    event.type,
    event.outcome,
    `${or(event.actor)} → ${or(event.subject)}`,
    `${or(event.clientId)} ${or(event.ip)}`,
  ].join('  ');
}
