import type { Redis } from 'ioredis';
import { type AdminBootstrapResult, ensureAdminUser } from './accounts/admin-bootstrap.js';
import { PasswordAuthenticator } from './accounts/authentication.js';
import { SessionManager } from './accounts/sessions.js';
import { UserService } from './accounts/user-service.js';
import { AuditLog } from './audit/audit-log.js';
import { BrowserOrigins } from './clients/browser-origins.js';
import { ClientDirectory } from './clients/client-directory.js';
import { ClientService } from './clients/client-service.js';
import { ScopeService } from './clients/scope-service.js';
import type { Config } from './config/config.js';
import { KeyEncryption } from './keys/key-encryption.js';
import { KeyManager } from './keys/key-manager.js';
import { loadMasterSecret } from './keys/master-secret.js';
import type { KeyUse } from './keys/signing-key.js';
import { AccessTokenCheck } from './oauth/access-token-check.js';
import { authorizationCodeGrant } from './oauth/grants/authorization-code.js';
import { clientCredentialsGrant } from './oauth/grants/client-credentials.js';
import { passwordGrant } from './oauth/grants/password.js';
import { refreshTokenGrant } from './oauth/grants/refresh-token.js';
import { GrantRegistry } from './oauth/grants/registry.js';
import { userinfoClaims } from './oauth/userinfo.js';
import { type Clock, systemClock } from './platform/clock.js';
import { CookieSigner } from './platform/cookie-signer.js';
import type { Logger } from './platform/logger.js';
import { connectRedis } from './platform/redis.js';
import { type DatabaseHandle, migrateToLatest, openDatabase } from './storage/database.js';
import { createStores, type Stores, transactionRunner } from './storage/repositories/index.js';
import { AccessTokens } from './tokens/access-token.js';
import { DatabaseRevocationList } from './tokens/database-revocation-list.js';
import { IdTokens } from './tokens/id-token.js';
import { RedisRevocationList } from './tokens/redis-revocation-list.js';
import { RefreshSuccessors } from './tokens/refresh-successor.js';
import type { RevocationList } from './tokens/revocation-list.js';

/** Everything the HTTP app and the CLI use, built in one place (STYLE C10). */
export interface Services {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly database: DatabaseHandle;
  readonly stores: Stores;
  readonly audit: AuditLog;
  readonly keys: KeyManager;
  readonly clients: ClientService;
  readonly clientDirectory: ClientDirectory;
  readonly browserOrigins: BrowserOrigins;
  readonly scopes: ScopeService;
  readonly accessTokens: AccessTokens;
  readonly accessTokenCheck: AccessTokenCheck;
  readonly sessions: SessionManager;
  readonly users: UserService;
  readonly authenticator: PasswordAuthenticator;
  readonly idTokens: IdTokens;
  readonly cookies: CookieSigner;
  readonly revocations: RevocationList;
  readonly grants: GrantRegistry;
  readonly redis: Redis | undefined;
  /** Starts background work: key reloads, purging expired revocations. */
  startBackgroundJobs(): void;
  close(): Promise<void>;
}

export interface ServiceOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** An already opened database (tests); otherwise opened from config. */
  readonly database?: DatabaseHandle;
}

const purgeIntervalMs = 10 * 60 * 1000;
/** Ended and expired sessions are kept a week for the admin's view, then removed. */
const sessionRetentionMs = 7 * 86_400_000;

export function createServices(options: ServiceOptions): Services {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const database = options.database ?? openDatabase(config.database);
  const stores = createStores(database.db);
  const transaction = transactionRunner(database.db);
  const audit = new AuditLog(stores.audit, clock);

  const masterSecret = loadMasterSecret(config.secret, config.dataDir);
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
  });

  const clientDirectory = new ClientDirectory(stores.clients, clock, config.clientCacheTtl);
  const scopes = new ScopeService(stores.scopes, audit, clock);
  const clients = new ClientService({
    clients: stores.clients,
    scopes: stores.scopes,
    users: stores.users,
    transaction,
    directory: clientDirectory,
    audit,
    clock,
  });

  const redis = config.redisUrl === undefined ? undefined : connectRedis(config.redisUrl, logger);
  const revocations = revocationList(redis, stores, clock, logger);

  const accessTokens = new AccessTokens(keys, clock, config.issuer, config.accessTokenAlg);
  const accessTokenCheck = new AccessTokenCheck({
    tokens: accessTokens,
    revocations,
    clients: clientDirectory,
    sessions: stores.sessions,
    users: stores.users,
    clock,
  });
  const sessions = new SessionManager({
    stores,
    transaction,
    accessTokens,
    audit,
    clock,
    audience: config.audience,
    refreshGrace: config.refreshGrace,
    successors: new RefreshSuccessors(masterSecret.value),
  });
  const authenticator = new PasswordAuthenticator(stores.users, clock);
  const users = new UserService({
    users: stores.users,
    scopes: stores.scopes,
    transaction,
    sessions,
    audit,
    clock,
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
      idTokenClaims: async (userId, scope, claimsRequest) => {
        const user = await stores.users.findById(userId);
        if (user === undefined) return {};
        const {
          sub: _sub,
          scope: _scope,
          ...released
        } = userinfoClaims(user, scope, await stores.scopes.list());
        return requestedIdTokenClaims(released, claimsRequest);
      },
    }),
    clientCredentialsGrant({ accessTokens, audience: config.audience, defaultTtl: config.accessTokenTtl }),
    passwordGrant({ authenticator, sessions, audit, ...oauthLifetimes }),
    refreshTokenGrant({ sessions, ...oauthLifetimes }),
  ]);

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
    database,
    stores,
    audit,
    keys,
    clients,
    clientDirectory,
    browserOrigins: new BrowserOrigins(stores.clients, clock, config.clientCacheTtl, config.corsOrigins),
    scopes,
    accessTokens,
    accessTokenCheck,
    sessions,
    users,
    authenticator,
    idTokens,
    cookies: new CookieSigner(masterSecret.value),
    revocations,
    grants,
    redis,
    startBackgroundJobs() {
      keys.startAutoReload(config.keyRefreshInterval, reportBackgroundError);
      // Expired rows are removed here, off the request path.
      purgeTimer = setInterval(() => {
        const now = clock.now();
        Promise.all([
          revocations.purgeExpired(),
          stores.refreshTokens.deleteExpired(now),
          stores.sessions.deleteExpired(new Date(now.getTime() - sessionRetentionMs)),
        ]).catch(reportBackgroundError);
      }, purgeIntervalMs);
      purgeTimer.unref();
    },
    async close() {
      keys.stopAutoReload();
      clearInterval(purgeTimer);
      redis?.disconnect();
      await database.close();
    },
  };
}

function revocationList(
  redis: Redis | undefined,
  stores: Stores,
  clock: Clock,
  logger: Logger,
): RevocationList {
  const durable = new DatabaseRevocationList(stores.revokedTokens, clock);
  if (redis === undefined) return durable;
  const onError = (error: unknown) =>
    logger.warn(
      { err: error instanceof Error ? { message: error.message } : String(error) },
      'redis revocation list error',
    );
  const shared = new RedisRevocationList(redis, stores.revokedTokens, clock, onError);
  redis.on('ready', () => {
    shared.syncFromDatabase().catch(onError);
  });
  return shared;
}

/** How long a retired key must stay published: the longest life of any token it may have signed. */
async function maxTokenLifetime(use: KeyUse, config: Config, stores: Stores, clock: Clock): Promise<number> {
  if (use === 'id') return config.idTokenTtl;
  const clientTtls = (await stores.clients.list()).map((c) => c.accessTokenTtl ?? 0);
  // Service-account tokens live as long as their session; the newest such session bounds them.
  const serviceSessionEnd = await stores.sessions.latestExpiry('service');
  const serviceRemaining =
    serviceSessionEnd === undefined
      ? 0
      : Math.ceil((serviceSessionEnd.getTime() - clock.now().getTime()) / 1000);
  // GET /token accepts a session's expired access token for the refresh lifetime: keep its key that long.
  const sessionWindow =
    config.sessionAccessTtl + (config.sessionAccessTokenRefresh ? config.sessionRefreshTtl : 0);
  return Math.max(config.accessTokenTtl, sessionWindow, serviceRemaining, ...clientTtls);
}

/** Brings a database up to date for use: schema, built-in scopes, signing keys. */
export async function prepareStorage(services: Services): Promise<void> {
  await migrateToLatest(services.database.db, services.database.schema);
  await services.scopes.ensureBuiltIns();
  await services.keys.ensureKeys();
}

/** First start: everything prepareStorage does, plus the admin user. */
export async function bootstrap(services: Services): Promise<AdminBootstrapResult> {
  await prepareStorage(services);
  return ensureAdminUser(services.stores.users, services.clock, services.config.adminPassword);
}

/**
 * OIDC Core §5.5: of the claims the `claims` parameter asks for in the ID token, those the
 * granted scopes release. A claim is never released without its scope.
 */
function requestedIdTokenClaims(
  released: Record<string, unknown>,
  claimsRequest: string | null,
): Record<string, unknown> {
  if (claimsRequest === null) return {};
  const requested = (JSON.parse(claimsRequest) as { id_token?: unknown }).id_token;
  if (requested === null || typeof requested !== 'object') return {};
  return Object.fromEntries(
    Object.keys(requested)
      .filter((name) => Object.hasOwn(released, name))
      .map((name) => [name, released[name]]),
  );
}
