import type { Kysely } from 'kysely';
import type { RefreshTokenStore, SessionStore, UserStore } from '../../accounts/stores.js';
import type { AuditStore } from '../../audit/audit-event.js';
import type { ClientStore, ScopeStore } from '../../clients/stores.js';
import type { SigningKeyStore } from '../../keys/signing-key.js';
import type { AuthorizationCodeStore, ConsentStore, InteractionStore } from '../../oauth/stores.js';
import { type RunInTransaction, retryOnConflict } from '../../platform/transaction.js';
import type { RevokedTokenStore } from '../../tokens/revocation-list.js';
import type { Database } from '../schema.js';
import { auditRepository } from './audit-repository.js';
import { authorizationCodeRepository } from './authorization-code-repository.js';
import { clientRepository } from './client-repository.js';
import { consentRepository } from './consent-repository.js';
import { interactionRepository } from './interaction-repository.js';
import { refreshTokenRepository } from './refresh-token-repository.js';
import { revokedTokenRepository } from './revoked-token-repository.js';
import { scopeRepository } from './scope-repository.js';
import { sessionRepository } from './session-repository.js';
import { signingKeyRepository } from './signing-key-repository.js';
import { userRepository } from './user-repository.js';

/** Every store, bound to one executor: the database itself, or a transaction. */
export interface Stores {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly clients: ClientStore;
  readonly scopes: ScopeStore;
  readonly signingKeys: SigningKeyStore;
  readonly revokedTokens: RevokedTokenStore;
  readonly audit: AuditStore;
  readonly authorizationCodes: AuthorizationCodeStore;
  readonly consents: ConsentStore;
  readonly interactions: InteractionStore;
}

export function createStores(db: Kysely<Database>): Stores {
  return {
    users: userRepository(db),
    sessions: sessionRepository(db),
    refreshTokens: refreshTokenRepository(db),
    clients: clientRepository(db),
    scopes: scopeRepository(db),
    signingKeys: signingKeyRepository(db),
    revokedTokens: revokedTokenRepository(db),
    audit: auditRepository(db),
    authorizationCodes: authorizationCodeRepository(db),
    consents: consentRepository(db),
    interactions: interactionRepository(db),
  };
}

/**
 * The transaction runner handed to domain code: one transaction, every store bound to it; run
 * again as a whole when PostgreSQL rolled it back on a deadlock or serialization failure.
 */
export function transactionRunner(db: Kysely<Database>): RunInTransaction<Stores> {
  return (work) => retryOnConflict(() => db.transaction().execute((tx) => work(createStores(tx))));
}
