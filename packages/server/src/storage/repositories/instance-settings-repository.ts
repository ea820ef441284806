import type { Kysely } from 'kysely';
import type { IssuerRecord } from '../../config/issuer-record.js';
import type { Database } from '../schema.js';
import { toMs } from './json.js';

interface InstanceSettingsTable {
  name: string;
  value: string;
  updated_at: number;
}

/** The key-reload interval the servers run with, so `keys rotate` from the CLI waits for the slowest. */
export interface ReloadIntervalRecord {
  recorded(): Promise<number | undefined>;
  record(seconds: number, at: Date): Promise<void>;
}

/** The `instance_settings` table (migration 0006): the recorded issuer. */
export function issuerRecordRepository(db: Kysely<Database>): IssuerRecord {
  const table = db.withTables<{ instance_settings: InstanceSettingsTable }>();
  return {
    async recorded() {
      const row = await table
        .selectFrom('instance_settings')
        .select('value')
        .where('name', '=', 'issuer')
        .executeTakeFirst();
      return row?.value;
    },
    async record(issuer, at) {
      await table
        .insertInto('instance_settings')
        .values({ name: 'issuer', value: issuer, updated_at: toMs(at) })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value: issuer, updated_at: toMs(at) }))
        .execute();
    },
  };
}

/**
 * The longest key-reload interval any server has started with: kept as the maximum, because a
 * rotation must wait until every running server has reloaded (issue 13: keys publish before they sign).
 */
export function reloadIntervalRecordRepository(db: Kysely<Database>): ReloadIntervalRecord {
  const table = db.withTables<{ instance_settings: InstanceSettingsTable }>();
  const name = 'key_reload_interval';
  const read = async () => {
    const row = await table
      .selectFrom('instance_settings')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.value);
  };
  return {
    recorded: read,
    async record(seconds, at) {
      const longest = String(Math.max(seconds, (await read()) ?? 0));
      await table
        .insertInto('instance_settings')
        .values({ name, value: longest, updated_at: toMs(at) })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value: longest, updated_at: toMs(at) }))
        .execute();
    },
  };
}
