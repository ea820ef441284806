import type { Kysely } from 'kysely';
import type { FederationStores } from '../accounts/federation/federated-accounts.js';
import { FederatedAccounts } from '../accounts/federation/federated-accounts.js';
import { IdTokenCheck } from '../accounts/federation/id-token-check.js';
import { IdentityProviders } from '../accounts/federation/identity-providers.js';
import { ProviderDirectory } from '../accounts/federation/provider-directory.js';
import { SecretEncryption } from '../accounts/federation/secret-encryption.js';
import { UpstreamAuthenticator } from '../accounts/federation/upstream-authenticator.js';
import { UpstreamMetadataCache } from '../accounts/federation/upstream-metadata.js';
import { UpstreamSignInFlow } from '../accounts/federation/upstream-sign-in-flow.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import type { InvalidationBus } from '../platform/invalidation/invalidation-bus.js';
import { type RunInTransaction, retryOnConflict } from '../platform/transaction.js';
import { auditRepository } from '../storage/repositories/audit-repository.js';
import { federatedIdentityRepository } from '../storage/repositories/federated-identity-repository.js';
import {
  idTokenUseRepository,
  pendingFederatedSignInRepository,
} from '../storage/repositories/federated-sign-in-repository.js';
import { identityProviderRepository } from '../storage/repositories/identity-provider-repository.js';
import { userRepository } from '../storage/repositories/user-repository.js';
import type { Database } from '../storage/schema.js';

/** Federated sign-in (issue 18), as the HTTP app and the CLI use it. */
export interface Federation {
  /** Managing upstream providers (CLI `idp`, admin API). */
  readonly providers: IdentityProviders;
  /** The configured providers, cached and told of changes. */
  readonly directory: ProviderDirectory;
  /** Signs in with an upstream id_token (POST /oidc-login, the browser callback). */
  readonly authenticator: UpstreamAuthenticator;
  /** The browser's trip to an upstream provider and back. */
  readonly flow: UpstreamSignInFlow;
  /** Removes spent replay records and abandoned trips. */
  purgeExpired(): Promise<void>;
}

interface FederationDeps {
  readonly db: Kysely<Database>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly invalidations: InvalidationBus;
  readonly masterSecret: string;
  readonly issuer: string;
}

/** Wires federated sign-in (part of the composition root, STYLE C10). */
export function federationServices(deps: FederationDeps): Federation {
  const { db, audit, clock, invalidations } = deps;
  const store = identityProviderRepository(db);
  const metadata = new UpstreamMetadataCache({ clock });
  const directory = new ProviderDirectory(store, clock);
  const providers = new IdentityProviders({
    store,
    encryption: new SecretEncryption(deps.masterSecret),
    metadata,
    audit,
    clock,
    invalidations,
    issuer: deps.issuer,
  });
  // A provider changed (here or in another process): the list is read again.
  invalidations.subscribe('identity-provider', () => directory.invalidate());

  const transaction: RunInTransaction<FederationStores> = (work) =>
    retryOnConflict(() =>
      db.transaction().execute((tx) =>
        work({
          users: userRepository(tx),
          identities: federatedIdentityRepository(tx),
          audit: auditRepository(tx),
        }),
      ),
    );
  const uses = idTokenUseRepository(db);
  const pending = pendingFederatedSignInRepository(db);
  const check = new IdTokenCheck({ providers: () => directory.list(), metadata, uses, clock });
  const authenticator = new UpstreamAuthenticator(
    check,
    new FederatedAccounts({ transaction, audit, clock }),
  );
  const flow = new UpstreamSignInFlow({ directory, providers, metadata, pending, clock });
  return {
    providers,
    directory,
    authenticator,
    flow,
    async purgeExpired() {
      const now = clock.now();
      await Promise.all([uses.deleteExpired(now), pending.deleteExpired(now)]);
    },
  };
}
