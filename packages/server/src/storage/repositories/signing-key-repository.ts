import type { Kysely } from 'kysely';
import type {
  KeyUse,
  PublicJwk,
  SigningAlgorithm,
  SigningKeyStore,
  StoredSigningKey,
} from '../../keys/signing-key.js';
import type { Database, SigningKeyRow } from '../schema.js';
import { fromJson, fromMs, fromMsOrNull, toJson, toMs, toMsOrNull } from './json.js';

export function signingKeyRepository(db: Kysely<Database>): SigningKeyStore {
  return {
    async list() {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .orderBy('created_at')
        .orderBy('kid')
        .execute();
      return rows.map(fromRow);
    },
    async insert(key) {
      await db
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          alg: key.alg,
          use: key.use,
          public_jwk: toJson(key.publicJwk),
          private_key: key.encryptedPrivateKey,
          status: key.status,
          created_at: toMs(key.createdAt),
          retired_at: toMsOrNull(key.retiredAt),
          retain_until: toMsOrNull(key.retainUntil),
        })
        .execute();
    },
    async retire(kid, at, retainUntil) {
      await db
        .updateTable('signing_keys')
        .set({ status: 'retired', retired_at: toMs(at), retain_until: toMs(retainUntil) })
        .where('kid', '=', kid)
        .execute();
    },
    async deleteRetiredBefore(now) {
      const result = await db
        .deleteFrom('signing_keys')
        .where('status', '=', 'retired')
        .where('retain_until', '<', toMs(now))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function fromRow(row: SigningKeyRow): StoredSigningKey {
  return {
    kid: row.kid,
    alg: row.alg as SigningAlgorithm,
    use: row.use as KeyUse,
    publicJwk: fromJson<PublicJwk>(row.public_jwk),
    encryptedPrivateKey: row.private_key,
    status: row.status === 'active' ? 'active' : 'retired',
    createdAt: fromMs(row.created_at),
    retiredAt: fromMsOrNull(row.retired_at),
    retainUntil: fromMsOrNull(row.retain_until),
  };
}
