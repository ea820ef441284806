import type { Redis } from 'ioredis';
import { type AdminBootstrapResult, ensureAdminUser } from './accounts/admin-bootstrap.js';
import type { BrowserSessions } from './accounts/browser-sessions.js';
import type { PasswordAuthenticator } from './accounts/password-authenticator.js';
import { PasswordChange } from './accounts/password-change.js';
import { ServiceTokens } from './accounts/service-tokens.js';
import type { SessionApi } from './accounts/session-api.js';
import type { SessionService } from './accounts/sessions.js';
import type { SignIn } from './accounts/sign-in.js';
import { UserService } from './accounts/user-service.js';
import { UserSessions } from './accounts/user-sessions.js';
import { AuditLog } from './audit/audit-log.js';
import type { ServerActivityStore } from './audit/server-activity.js';
import { BrowserOrigins } from './clients/browser-origins.js';
import { ClientDirectory } from './clients/client-directory.js';
import { ClientService } from './clients/client-service.js';
import { ClientUsage, usageRetentionDays, utcDay } from './clients/client-usage.js';
import { OwnClients } from './clients/own-clients.js';
import { ScopeService } from './clients/scope-service.js';
import { accountServices } from './composition/account-services.js';
import { type Federation, federationServices } from './composition/federation.js';
import { invalidationBus, subscribeCaches } from './composition/invalidations.js';
import { maxTokenLifetime } from './composition/key-retention.js';
import { limitServices } from './composition/limits.js';
import { metricsFor } from './composition/metrics.js';
import { revocationList } from './composition/revocations.js';
import type { Config } from './config/config.js';
import type { IssuerRecord } from './config/issuer-record.js';
import { KeyEncryption } from './keys/key-encryption.js';
import { KeyManager, type SigningKeyGenerator } from './keys/key-manager.js';
import { loadMasterSecret } from './keys/master-secret.js';
import type { LimiterHealth } from './limits/limiters.js';
import type { RateLimits } from './limits/rate-limits.js';
import { AccessTokenCheck } from './oauth/access-token-check.js';
import { AuthorizationFlow } from './oauth/authorize/authorization-flow.js';
import { Consents } from './oauth/authorize/consents.js';
import { Interactions } from './oauth/authorize/interactions.js';
import { authorizationCodeGrant } from './oauth/grants/authorization-code.js';
import { clientCredentialsGrant } from './oauth/grants/client-credentials.js';
import { passwordGrant } from './oauth/grants/password.js';
import { refreshTokenGrant } from './oauth/grants/refresh-token.js';
import { GrantRegistry } from './oauth/grants/registry.js';
import { idTokenClaimsFrom } from './oauth/id-token-claims.js';
import { TokenIntrospection } from './oauth/introspection.js';
import { RpLogout } from './oauth/rp-logout.js';
import { UserConsents } from './oauth/user-consents.js';
import { type Clock, systemClock } from './platform/clock.js';
import { CookieSigner } from './platform/cookie-signer.js';
import type { InvalidationBus } from './platform/invalidation/invalidation-bus.js';
import type { Logger } from './platform/logger.js';
import type { Metrics } from './platform/metrics/metrics.js';
import { connectRedis } from './platform/redis.js';
import { type DatabaseHandle, migrateToLatest, openDatabase } from './storage/database.js';
import { exclusiveJob } from './storage/exclusive-job.js';
import { clientUsageRepository } from './storage/repositories/client-usage-repository.js';
import { createStores, transactionRunner } from './storage/repositories/index.js';
import {
  issuerRecordRepository,
  type ReloadIntervalRecord,
  reloadIntervalRecordRepository,
} from './storage/repositories/instance-settings-repository.js';
import { serverActivityRepository } from './storage/repositories/server-activity-repository.js';
import { serviceTokenRepository } from './storage/repositories/service-token-repository.js';
import { AccessTokens } from './tokens/access-token.js';
import { IdTokens } from './tokens/id-token.js';
import type { RevocationList } from './tokens/revocation-list.js';

/** Everything the HTTP app and the CLI use, built in one place (STYLE C10). */
export interface Services {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly audit: AuditLog;
  readonly keys: KeyManager;
  readonly clients: ClientService;
  readonly clientDirectory: ClientDirectory;
  readonly browserOrigins: BrowserOrigins;
  /** The personal clients and API keys people make for themselves (the self-service API). */
  readonly ownClients: OwnClients;
  /** Token requests per client per day and each secret's last use, written in batches; `flush()` writes now. */
  readonly usage: ClientUsage;
  readonly scopes: ScopeService;
  readonly accessTokens: AccessTokens;
  readonly accessTokenCheck: AccessTokenCheck;
  readonly sessions: SessionService;
  readonly browserSessions: BrowserSessions;
  readonly sessionApi: SessionApi;
  readonly signIn: SignIn;
  readonly passwords: PasswordAuthenticator;
  readonly users: UserService;
  /** A person changes their own password (the self-service API). */
  readonly passwordChange: PasswordChange;
  /** A user's sessions as admins and the user see and end them. */
  readonly userSessions: UserSessions;
  /** The apps a user consented to: listing, withdrawing. */
  readonly userConsents: UserConsents;
  /** Federated sign-in: upstream providers, POST /oidc-login's authenticator, the browser's trip upstream. */
  readonly federation: Federation;
  readonly serviceTokens: ServiceTokens;
  /** Whole-server counts for the admin console's overview (sessions, tokens, failed sign-ins per day). */
  readonly activity: ServerActivityStore;
  /** The issuer the server last served under (the CLI mints tokens for it). */
  readonly issuerRecord: IssuerRecord;
  readonly reloadIntervalRecord: ReloadIntervalRecord;
  readonly idTokens: IdTokens;
  readonly cookies: CookieSigner;
  readonly revocations: RevocationList;
  readonly grants: GrantRegistry;
  readonly authorizationFlow: AuthorizationFlow;
  readonly rpLogout: RpLogout;
  readonly introspection: TokenIntrospection;
  readonly redis: Redis | undefined;
  /** Tells every process's caches what changed; servers listen from startBackgroundJobs. */
  readonly invalidations: InvalidationBus;
  /** Request budgets per route family; undefined when TESSERA_RATE_LIMITING is off. */
  readonly rateLimits: RateLimits | undefined;
  readonly limiterHealth: LimiterHealth;
  /** What `/metrics` reports; does nothing unless TESSERA_METRICS_TOKEN or TESSERA_METRICS_ADDRESS is set. */
  readonly metrics: Metrics;
  /** Resolves when the database answers a trivial query (readiness); rejects otherwise. */
  checkDatabase(): Promise<void>;
  /** Brings the database up to date for use: schema, built-in scopes, signing keys. */
  prepareStorage(): Promise<void>;
  /** First start: everything prepareStorage does, plus the admin user. */
  bootstrap(): Promise<AdminBootstrapResult>;
  /** Starts background work: hearing invalidations, key reloads, purging expired rows (one instance at a time). */
  startBackgroundJobs(): void;
  close(): Promise<void>;
}

export interface ServiceOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** An already opened database (tests); otherwise opened from config. */
  readonly database?: DatabaseHandle;
  /** Signing-key generation; tests pass pre-generated keys. Defaults to fresh keys. */
  readonly keyGenerator?: SigningKeyGenerator;
}

const purgeIntervalMs = 10 * 60 * 1000;
/** Ended and expired sessions are kept a week for the admin's view, then removed. */
const sessionRetentionMs = 7 * 86_400_000;

export function createServices(options: ServiceOptions): Services {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const database =
    options.database ??
    openDatabase(config.database, {
      timeouts: { connectMs: config.databaseConnectTimeout, statementMs: config.databaseStatementTimeout },
      logger,
    });
  const stores = createStores(database.db);
  const transaction = transactionRunner(database.db);
  const audit = new AuditLog(stores.audit, clock);

  const redis =
    config.redisUrl === undefined
      ? undefined
      : connectRedis(config.redisUrl, logger, { commandTimeout: config.redisTimeout });
  const invalidations = invalidationBus(config, database, redis, logger);

  const masterSecret = loadMasterSecret(config.secret, config.dataDir);
  const reloadIntervalRecord = reloadIntervalRecordRepository(database.db);
  const keys = new KeyManager({
    store: stores.signingKeys,
    transaction,
    encryption: new KeyEncryption(masterSecret.value),
    audit,
    clock,
    required: [
      { use: 'access', alg: config.accessTokenAlg },
      { use: 'id', alg: 'RS256' },
      { use: 'id', alg: 'ES256' },
      { use: 'id', alg: 'EdDSA' },
    ],
    maxTokenLifetime: (use) => maxTokenLifetime(use, config, stores, clock),
    reloadIntervalSeconds: config.keyRefreshInterval,
    recordedReloadInterval: () => reloadIntervalRecord.recorded(),
    keyGenerator: options.keyGenerator,
    invalidations,
  });

  const clientDirectory = new ClientDirectory(stores.clients, clock, config.clientCacheTtl);
  const scopes = new ScopeService(stores.scopes, audit, clock, invalidations);
  const browserOrigins = new BrowserOrigins(stores.clients, clock, config.clientCacheTtl, config.corsOrigins);
  subscribeCaches(invalidations, { clientDirectory, browserOrigins, keys });

  const revocations = revocationList(redis, config.redisPrefix, stores, clock, logger);
  const { rateLimits, throttle, limiterHealth } = limitServices(config, redis, logger);

  const accessTokens = new AccessTokens(keys, clock, config.issuer, config.accessTokenAlg);
  const metrics = metricsFor(config, {
    clientDirectory,
    accessTokens,
    limiterHealth,
    revocations,
    database,
    redis,
  });
  const accessTokenCheck = new AccessTokenCheck({
    tokens: accessTokens,
    revocations,
    clients: clientDirectory,
    sessions: stores.sessions,
    users: stores.users,
    clock,
  });
  const { sessions, rotation, browserSessions, passwords, signIn, sessionApi } = accountServices({
    config,
    stores,
    transaction,
    audit,
    clock,
    accessTokens,
    checkAccessToken: (token, options) => accessTokenCheck.check(token, options),
    successorKey: masterSecret.value,
    throttle,
    metrics,
  });
  const users = new UserService({
    users: stores.users,
    scopes: stores.scopes,
    transaction,
    sessions,
    audit,
    clock,
    invalidations,
  });
  const oauthLifetimes = {
    accessTokenTtl: config.accessTokenTtl,
    refreshTokenTtl: config.refreshTokenTtl,
    sessionMaxAge: config.sessionMaxAge,
  };
  const idTokens = new IdTokens(keys, clock, config.issuer, config.idTokenTtl);
  const grants = new GrantRegistry([
    authorizationCodeGrant({
      codes: stores.authorizationCodes,
      users: stores.users,
      sessions,
      idTokens,
      audit,
      clock,
      ...oauthLifetimes,
      idTokenClaims: idTokenClaimsFrom(stores.users, stores.scopes),
    }),
    refreshTokenGrant({ rotation, ...oauthLifetimes }),
    clientCredentialsGrant({ accessTokens, audience: config.audience, defaultTtl: config.accessTokenTtl }),
    passwordGrant({ signIn, passwords, ...oauthLifetimes }),
  ]);
  const clients = new ClientService({
    clients: stores.clients,
    scopes: stores.scopes,
    users: stores.users,
    transaction,
    invalidations,
    audit,
    clock,
    grants: grants.catalogue,
    rateLimitTiers: Object.keys(config.rateLimitTiers),
  });

  const usageStore = clientUsageRepository(database.db);
  const usage = new ClientUsage({
    usage: usageStore,
    secrets: stores.clients,
    clock,
    onFlushError: (error) =>
      logger.warn(
        { err: error instanceof Error ? { message: error.message } : String(error) },
        'client usage not written; kept for the next flush',
      ),
  });
  const ownClients = new OwnClients({
    clients,
    store: stores.clients,
    scopes: stores.scopes,
    usage: usageStore,
    clock,
  });

  const federation = federationServices({
    db: database.db,
    audit,
    clock,
    invalidations,
    masterSecret: masterSecret.value,
    issuer: config.issuer,
  });

  const interactions = new Interactions(stores.interactions, clock);
  const authorizationFlow = new AuthorizationFlow({
    clients: clientDirectory,
    codes: stores.authorizationCodes,
    consents: new Consents(stores.consents, clock),
    interactions,
    clock,
    issuer: config.issuer,
  });

  let purgeTimer: NodeJS.Timeout | undefined;
  const reportBackgroundError = (error: unknown) =>
    logger.error(
      { err: error instanceof Error ? { message: error.message } : String(error) },
      'background job failed',
    );

  return {
    config,
    clock,
    logger,
    audit,
    keys,
    clients,
    clientDirectory,
    browserOrigins,
    ownClients,
    usage,
    scopes,
    accessTokens,
    accessTokenCheck,
    sessions,
    browserSessions,
    sessionApi,
    signIn,
    passwords,
    users,
    passwordChange: new PasswordChange({ signIn, passwords, transaction, audit, clock, invalidations }),
    userSessions: new UserSessions({ stores, transaction, audit, clock }),
    userConsents: new UserConsents({ consents: stores.consents, transaction, audit, clock }),
    federation,
    activity: serverActivityRepository(database.db),
    serviceTokens: new ServiceTokens({
      store: serviceTokenRepository(database.db),
      sessions,
      revocations,
      audit,
    }),
    issuerRecord: issuerRecordRepository(database.db),
    reloadIntervalRecord,
    idTokens,
    // The key derived from the master secret stays last: setting TESSERA_COOKIE_SECRETS signs nobody out.
    cookies: new CookieSigner([...config.cookieSecrets, masterSecret.value]),
    revocations,
    grants,
    authorizationFlow,
    rpLogout: new RpLogout({ clients: clientDirectory, idTokens, sessions, audit }),
    introspection: new TokenIntrospection({
      check: accessTokenCheck,
      clients: clientDirectory,
      sessions,
      issuer: config.issuer,
    }),
    redis,
    invalidations,
    rateLimits,
    limiterHealth,
    metrics,
    checkDatabase: () => database.ping(),
    async prepareStorage() {
      await database.withoutStatementTimeout((db) => migrateToLatest(db, database.schema));
      await scopes.ensureBuiltIns();
      await keys.ensureKeys();
    },
    async bootstrap() {
      await this.prepareStorage();
      return ensureAdminUser(stores.users, clock, config.adminPassword);
    },
    startBackgroundJobs() {
      invalidations.listen();
      keys.startAutoReload(config.keyRefreshInterval, reportBackgroundError);
      usage.start(config.usageFlushInterval);
      // Expired rows are removed here, off the request path, by one instance at a time.
      const purgeAlone = exclusiveJob(database, 'purge');
      purgeTimer = setInterval(() => {
        const now = clock.now();
        purgeAlone(async () => {
          await Promise.all([
            revocations.purgeExpired(),
            interactions.purgeExpired(),
            federation.purgeExpired(),
            stores.refreshTokens.deleteExpired(now),
            stores.sessions.deleteExpired(new Date(now.getTime() - sessionRetentionMs)),
            usageStore.deleteBefore(utcDay(new Date(now.getTime() - usageRetentionDays * 86_400_000))),
          ]);
        }).catch(reportBackgroundError);
      }, purgeIntervalMs);
      purgeTimer.unref();
    },
    async close() {
      keys.stopAutoReload();
      clearInterval(purgeTimer);
      // What was counted since the last flush is written before the database closes.
      await usage.stop().catch(reportBackgroundError);
      await invalidations.close();
      redis?.disconnect();
      await database.close();
    },
  };
}

/** Brings a database up to date for use: schema, built-in scopes, signing keys. */
export function prepareStorage(services: Services): Promise<void> {
  return services.prepareStorage();
}

/** First start: everything prepareStorage does, plus the admin user. */
export function bootstrap(services: Services): Promise<AdminBootstrapResult> {
  return services.bootstrap();
}
