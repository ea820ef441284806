import type { Kysely } from 'kysely';
import type {
  IdTokenUseStore,
  PendingFederatedSignInStore,
} from '../../accounts/federation/identity-provider.js';
import type { Database } from '../schema.js';
import { fromMs, toMs } from './json.js';

/** The replay guard's rows: one per accepted upstream id_token, until it expires. */
export function idTokenUseRepository(db: Kysely<Database>): IdTokenUseStore {
  return {
    async record(tokenHash, expiresAt) {
      const result = await db
        .insertInto('id_token_uses')
        .values({ token_hash: tokenHash, expires_at: toMs(expiresAt) })
        .onConflict((oc) => oc.column('token_hash').doNothing())
        .returning('token_hash')
        .executeTakeFirst();
      // Nothing returned: the row was there already (a replay).
      return result !== undefined;
    },
    async deleteExpired(before) {
      const result = await db
        .deleteFrom('id_token_uses')
        .where('expires_at', '<=', toMs(before))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** Browsers' trips to upstream providers, each taken once by its callback. */
export function pendingFederatedSignInRepository(db: Kysely<Database>): PendingFederatedSignInStore {
  return {
    async insert(pending) {
      await db
        .insertInto('federated_sign_ins')
        .values({
          state_hash: pending.stateHash,
          provider_id: pending.providerId,
          interaction: pending.interaction,
          browser_binding: pending.browserBinding,
          nonce: pending.nonce,
          code_verifier: pending.codeVerifier,
          created_at: toMs(pending.createdAt),
          expires_at: toMs(pending.expiresAt),
        })
        .execute();
    },
    async take(stateHash, now) {
      // Deleting is the lock: of two callbacks with one state, only one gets the row.
      const row = await db
        .deleteFrom('federated_sign_ins')
        .where('state_hash', '=', stateHash)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined || Number(row.expires_at) <= toMs(now)) return undefined;
      return {
        stateHash: row.state_hash,
        providerId: row.provider_id,
        interaction: row.interaction,
        browserBinding: row.browser_binding,
        nonce: row.nonce,
        codeVerifier: row.code_verifier,
        createdAt: fromMs(Number(row.created_at)),
        expiresAt: fromMs(Number(row.expires_at)),
      };
    },
    async deleteExpired(before) {
      const result = await db
        .deleteFrom('federated_sign_ins')
        .where('expires_at', '<=', toMs(before))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
