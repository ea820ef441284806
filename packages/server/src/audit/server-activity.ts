import { utcDay } from '../clients/client-usage.js';

/** One UTC day of the whole server's activity, for the admin console's overview. */
export interface ActivityDay {
  /** 'YYYY-MM-DD', UTC. */
  readonly date: string;
  /** Token requests granted / refused, summed over every client (the usage counts, client-usage.ts). */
  readonly tokensIssued: number;
  readonly tokensRefused: number;
  /** `login.failed` audit events. */
  readonly failedSignIns: number;
}

/** Counts over every row, where the per-client and per-user stores only answer for one. */
export interface ServerActivityStore {
  /** Sessions not ended and not expired at `at`. */
  activeSessions(at: Date): Promise<number>;
  /** Usage summed per day from `from` to `to` (inclusive, 'YYYY-MM-DD'); days without any are left out. */
  usageByDay(from: string, to: string): Promise<Array<{ day: string; granted: number; refused: number }>>;
  /** Audit events of `type` per UTC day in [since, until); days without any are left out. */
  eventsByDay(type: string, since: Date, until: Date): Promise<Array<{ day: string; count: number }>>;
}

export interface ActivityOverview {
  readonly activeSessions: number;
  /** Oldest first, one entry per day of the window, today included. */
  readonly days: readonly ActivityDay[];
}

const dayMs = 86_400_000;

/** The overview's numbers: three aggregate queries, whatever the number of clients or events. */
export async function activityOverview(
  store: ServerActivityStore,
  now: Date,
  days: number,
): Promise<ActivityOverview> {
  const dates = Array.from({ length: days }, (_, i) =>
    utcDay(new Date(now.getTime() - (days - 1 - i) * dayMs)),
  );
  const since = new Date(`${dates[0]}T00:00:00.000Z`);
  const until = new Date(since.getTime() + days * dayMs);
  const [activeSessions, usage, failures] = await Promise.all([
    store.activeSessions(now),
    store.usageByDay(dates[0] as string, dates[days - 1] as string),
    store.eventsByDay('login.failed', since, until),
  ]);
  const usageOf = new Map(usage.map((u) => [u.day, u]));
  const failuresOf = new Map(failures.map((f) => [f.day, f.count]));
  return {
    activeSessions,
    days: dates.map((date) => ({
      date,
      tokensIssued: usageOf.get(date)?.granted ?? 0,
      tokensRefused: usageOf.get(date)?.refused ?? 0,
      failedSignIns: failuresOf.get(date) ?? 0,
    })),
  };
}
