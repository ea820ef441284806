import { type Kysely, type Selectable, sql } from 'kysely';
import type {
  FederatedIdentity,
  FederatedIdentityStore,
} from '../../accounts/federation/identity-provider.js';
import type { Database, FederatedIdentitiesTable } from '../schema.js';
import { fromMs, toMs } from './json.js';

export function federatedIdentityRepository(db: Kysely<Database>): FederatedIdentityStore {
  return {
    async find(issuer, subject) {
      const row = await db
        .selectFrom('federated_identities')
        .selectAll()
        .where('issuer', '=', issuer)
        .where('subject', '=', subject)
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },
    async insert(identity) {
      await db
        .insertInto('federated_identities')
        .values({
          issuer: identity.issuer,
          subject: identity.subject,
          user_id: identity.userId,
          provider_id: identity.providerId,
          email: identity.email,
          created_at: toMs(identity.createdAt),
          last_sign_in_at: toMs(identity.lastSignInAt),
        })
        .execute();
    },
    async recordSignIn(issuer, subject, at, providerId, email) {
      await db
        .updateTable('federated_identities')
        .set({ last_sign_in_at: toMs(at), provider_id: providerId, email })
        .where('issuer', '=', issuer)
        .where('subject', '=', subject)
        .execute();
    },
    async listOfUser(userId) {
      const rows = await db
        .selectFrom('federated_identities')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .execute();
      return rows.map(fromRow);
    },
    async peopleWithEmail(email) {
      const rows = await db
        .selectFrom('users')
        .select('id')
        .where(sql<string>`lower(${sql.ref('email')})`, '=', email.toLowerCase())
        .where('kind', '=', 'user')
        .limit(2)
        .execute();
      return rows.map((r) => r.id);
    },
  };
}

function fromRow(row: Selectable<FederatedIdentitiesTable>): FederatedIdentity {
  return {
    issuer: row.issuer,
    subject: row.subject,
    userId: row.user_id,
    providerId: row.provider_id,
    email: row.email,
    createdAt: fromMs(Number(row.created_at)),
    lastSignInAt: fromMs(Number(row.last_sign_in_at)),
  };
}
