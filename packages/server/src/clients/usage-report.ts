import { InvalidInputError } from '../platform/errors.js';
import { usageRetentionDays, utcDay } from './client-usage.js';
import type { ClientUsageStore } from './stores.js';

export interface UsageDay {
  /** 'YYYY-MM-DD', UTC. */
  readonly date: string;
  readonly granted: number;
  readonly refused: number;
}

const dayMs = 86_400_000;

/**
 * A client's token requests per UTC day over the last `days` days (today included), oldest first,
 * with a zero for each day without any: as written by the last flush (client-usage.ts).
 */
export async function usageDays(
  store: ClientUsageStore,
  clientId: string,
  days: number,
  now: Date,
): Promise<UsageDay[]> {
  if (!Number.isInteger(days) || days < 1 || days > usageRetentionDays) {
    throw new InvalidInputError(
      `the usage window must be a whole number of days from 1 to ${usageRetentionDays}`,
    );
  }
  const dates = Array.from({ length: days }, (_, i) =>
    utcDay(new Date(now.getTime() - (days - 1 - i) * dayMs)),
  );
  const recorded = new Map(
    (await store.daysOf(clientId, dates[0] as string, dates[days - 1] as string)).map((c) => [c.day, c]),
  );
  return dates.map((date) => ({
    date,
    granted: recorded.get(date)?.granted ?? 0,
    refused: recorded.get(date)?.refused ?? 0,
  }));
}
