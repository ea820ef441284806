import type { Kysely } from 'kysely';
import type { IssuerRecord } from '../../config/issuer-record.js';
import type { Database } from '../schema.js';
import { toMs } from './json.js';

interface InstanceSettingsTable {
  name: string;
  value: string;
  updated_at: number;
}

/** The `instance_settings` table (migration 0006); today it holds the recorded issuer. */
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
