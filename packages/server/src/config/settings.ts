import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { defaultLimits, defaultTiers, limitOverrides, tierList } from '../limits/limit-settings.js';
import { listenAddress } from './listen-address.js';
import { boolean, directory, integer, oneOf, optional, secretList, secretText, text } from './parsers.js';
import { settingsTable } from './setting.js';
import { type DatabaseConfig, databaseUrl, issuerUrl, origins, url } from './url-parsers.js';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const year = 31_536_000;
const day = 86_400;

/**
 * Every setting Tessera reads, in the order they are checked and listed in README; adding a setting is
 * one `add`. Config's type, loadConfig and README's table (npm run docs:settings) all come from here.
 */
export const settings = settingsTable()
  .add({
    env: 'PORT',
    key: 'port',
    parse: integer(0, 65_535),
    fallback: 8080,
    description: 'HTTP port',
  })
  .add({
    env: 'HOST',
    key: 'host',
    parse: text,
    fallback: 'localhost',
    description: 'interface to bind (`0.0.0.0` in a container)',
  })
  .add({
    env: 'TESSERA_ISSUER',
    key: 'issuer',
    parse: issuerUrl,
    // PORT=0 picks a free port, which no advertised URL can name in advance.
    fallback: ({ port }) => `http://localhost:${port === 0 ? 8080 : port}`,
    shownDefault: '`http://localhost:PORT`',
    description:
      'issuer URL and base of every advertised endpoint, without query or fragment (a trailing `/` is dropped); use https outside localhost',
  })
  .add({
    env: 'TESSERA_DATABASE_URL',
    key: 'database',
    parse: databaseUrl,
    // Annotated so that `kind` stays the literal 'sqlite'.
    fallback: (_, root): DatabaseConfig => ({ kind: 'sqlite', path: resolve(root, 'data/tessera.db') }),
    shownDefault: "`data/tessera.db` in the project's root (see the command line section)",
    description: 'a SQLite file path (or `file:`/`sqlite:` URL), or `postgres://user@host:5432/db`',
  })
  .add({
    env: 'TESSERA_DATA_DIR',
    key: 'dataDir',
    parse: directory,
    fallback: ({ database }, root) =>
      database.kind === 'sqlite' ? dirname(database.path) : resolve(root, 'data'),
    shownDefault: "the SQLite file's directory, else `data` in the project's root",
    description: 'where the generated master-secret file lives',
  })
  .add({
    env: 'TESSERA_SECRET',
    key: 'secret',
    parse: optional(secretText(32)),
    fallback: undefined,
    shownDefault: 'the `secret` file in the data dir',
    description:
      'master secret (≥ 32 characters) that encrypts private signing keys at rest; set it for PostgreSQL and for several instances',
  })
  .add({
    env: 'TESSERA_COOKIE_SECRETS',
    key: 'cookieSecrets',
    parse: secretList(32),
    fallback: [],
    shownDefault: 'unset: a key derived from the master secret signs',
    description:
      'comma-separated secrets (≥ 32 characters each) that sign the browser session cookie: the first signs, and these and the master secret all verify, so the key can rotate without signing everyone out (put the new one first; drop an old one after `TESSERA_SESSION_MAX_AGE`)',
  })
  .add({
    env: 'TESSERA_ADMIN_PASSWORD',
    key: 'adminPassword',
    parse: optional(text),
    fallback: undefined,
    shownDefault: 'random, printed once',
    description: 'password of the `admin` user created on first start',
  })
  .add({
    env: 'TESSERA_REDIS_URL',
    key: 'redisUrl',
    parse: optional(url(['redis:', 'rediss:'])),
    fallback: undefined,
    shownDefault: 'unset',
    description:
      '`redis://…` or `rediss://…` (Redis ≥ 5): revoked token ids are shared through Redis, so every instance refuses them without a database read; the database answers whenever Redis cannot show its copy is complete (flushed, evicted, restarted, unreachable)',
  })
  .add({
    env: 'TESSERA_REDIS_PREFIX',
    key: 'redisPrefix',
    parse: text,
    fallback: 'tessera:',
    description:
      'prefix of every Redis key Tessera writes; give each deployment sharing one Redis its own (instances of one deployment share it)',
  })
  .add({
    env: 'TESSERA_LOG_LEVEL',
    key: 'logLevel',
    parse: oneOf(logLevels, (raw, list) => `unknown level '${raw}'; use one of ${list}`),
    fallback: 'info',
    description: `pino level: ${logLevels.map((level) => `\`${level}\``).join(', ')}`,
  })
  .add({
    env: 'TESSERA_AUDIENCE',
    key: 'audience',
    parse: text,
    fallback: ({ issuer }) => issuer,
    shownDefault: 'the issuer',
    description: '`aud` of access tokens',
  })
  .add({
    env: 'TESSERA_ACCESS_TOKEN_TTL',
    key: 'accessTokenTtl',
    parse: integer(1, year),
    fallback: 3600,
    description: 'access-token lifetime (s) for OAuth clients without their own',
  })
  .add({
    env: 'TESSERA_ACCESS_TOKEN_ALG',
    key: 'accessTokenAlg',
    parse: oneOf(['ES256', 'RS256', 'EdDSA']),
    fallback: 'ES256',
    description: 'signature algorithm of access tokens: `ES256`, `RS256` or `EdDSA`',
  })
  .add({
    env: 'TESSERA_ID_TOKEN_TTL',
    key: 'idTokenTtl',
    parse: integer(1, day),
    fallback: 3600,
    description: 'ID-token lifetime (s)',
  })
  .add({
    env: 'TESSERA_SESSION_ACCESS_TTL',
    key: 'sessionAccessTtl',
    parse: integer(1, day),
    fallback: 300,
    description: 'session API access-token lifetime (s)',
  })
  .add({
    env: 'TESSERA_SESSION_REFRESH_TTL',
    key: 'sessionRefreshTtl',
    parse: integer(60, year),
    fallback: 604_800,
    shownDefault: '`604800` (7 days)',
    description: 'session API refresh-token lifetime (s), sliding',
  })
  .add({
    env: 'TESSERA_REFRESH_TOKEN_TTL',
    key: 'refreshTokenTtl',
    parse: integer(60, year),
    fallback: 2_592_000,
    shownDefault: '`2592000` (30 days)',
    description: "OAuth clients' refresh-token lifetime (s), sliding, unless the client sets its own",
  })
  .add({
    env: 'TESSERA_SESSION_MAX_AGE',
    key: 'sessionMaxAge',
    parse: integer(60, year),
    fallback: 7_776_000,
    shownDefault: '`7776000` (90 days)',
    description: 'absolute cap on a session (s), however often it is refreshed',
  })
  .add({
    env: 'TESSERA_REFRESH_GRACE',
    key: 'refreshGrace',
    parse: integer(0, 300),
    fallback: 10,
    description:
      'seconds a just-rotated refresh token still works, so concurrent refreshes (several tabs) are not mistaken for theft; `0` allowed',
  })
  .add({
    env: 'TESSERA_SESSION_ACCESS_TOKEN_REFRESH',
    key: 'sessionAccessTokenRefresh',
    parse: boolean,
    fallback: true,
    description:
      "let `GET /token` refresh with the session's newest access token, even just expired (see below); `false` accepts refresh tokens only",
  })
  .add({
    env: 'TESSERA_BROWSER_IDLE_TIMEOUT',
    key: 'browserIdleTimeout',
    parse: integer(60, year),
    fallback: 43_200,
    shownDefault: '`43200` (12 hours)',
    description: 'a browser sign-in session unused this long (s) ends',
  })
  .add({
    env: 'TESSERA_BODY_LIMIT',
    key: 'bodyLimit',
    parse: integer(1024, 10_485_760),
    fallback: 65_536,
    description: 'largest request body (bytes)',
  })
  .add({
    env: 'TESSERA_CLIENT_CACHE_TTL',
    key: 'clientCacheTtl',
    parse: integer(0, 3600),
    fallback: 5,
    description:
      'seconds a client lookup is cached at most: changes reach every instance at once through invalidation messages (see Several instances), and within this when those cannot arrive',
  })
  .add({
    env: 'TESSERA_KEY_REFRESH_INTERVAL',
    key: 'keyRefreshInterval',
    parse: integer(1, day),
    fallback: 60,
    description:
      'seconds between signing-key reloads, the fallback when invalidation messages cannot arrive; a token naming an unknown key also reloads them (at most every 5 s)',
  })
  .add({
    env: 'TESSERA_RATE_LIMITING',
    key: 'rateLimiting',
    parse: boolean,
    fallback: true,
    description:
      'enforce the rate limits and the sign-in backoff (see Rate limits); `false` only behind a gateway that limits',
  })
  .add({
    env: 'TESSERA_RATE_LIMITS',
    key: 'rateLimits',
    parse: limitOverrides,
    fallback: defaultLimits,
    shownDefault: 'the table under Rate limits',
    description:
      'per-minute budgets by name, over the defaults: `token=100,authorize=300` (names under Rate limits)',
  })
  .add({
    env: 'TESSERA_RATE_LIMIT_WINDOW',
    key: 'rateLimitWindow',
    parse: integer(1, 3600),
    fallback: 60,
    description:
      'seconds each request budget is counted over; the budgets of `TESSERA_RATE_LIMITS` and the tiers are per window',
  })
  .add({
    env: 'TESSERA_RATE_LIMIT_TIERS',
    key: 'rateLimitTiers',
    parse: tierList,
    fallback: defaultTiers,
    shownDefault: '`starter=50,professional=1000,unlimited=unlimited`',
    description:
      "named per-minute budgets for `client create/update --rate-limit-tier`, added to or replacing the defaults' values",
  })
  .add({
    env: 'TESSERA_RATE_LIMIT_REDIS_FAILURE',
    key: 'rateLimitRedisFailure',
    parse: oneOf(['local', 'refuse'] as const),
    fallback: 'local',
    description:
      'when Redis cannot answer a limit in time: `local` counts in this process meanwhile, `refuse` answers 503 with `Retry-After`',
  })
  .add({
    env: 'TESSERA_PASSWORD_HASH_QUEUE',
    key: 'passwordHashQueue',
    parse: integer(0, 100_000),
    fallback: () => 8 * availableParallelism(),
    shownDefault: '8 × the CPU cores',
    description:
      'password checks that may wait for a core; beyond it a sign-in is answered 503 with `Retry-After` at once (load shedding)',
  })
  .add({
    env: 'TESSERA_DATABASE_CONNECT_TIMEOUT',
    key: 'databaseConnectTimeout',
    parse: integer(100, 600_000),
    fallback: 5000,
    description:
      'PostgreSQL: milliseconds to open a connection or wait for a free one in the pool; past it the request is answered 503 with `Retry-After`',
  })
  .add({
    env: 'TESSERA_DATABASE_STATEMENT_TIMEOUT',
    key: 'databaseStatementTimeout',
    parse: integer(100, 3_600_000),
    fallback: 10_000,
    description:
      "PostgreSQL: milliseconds a statement may run (the server's `statement_timeout`; a statement whose answer never arrives is abandoned a second later); past it the request is answered 503 with `Retry-After`. Migrations are not bounded",
  })
  .add({
    env: 'TESSERA_REDIS_TIMEOUT',
    key: 'redisTimeout',
    parse: integer(10, 60_000),
    fallback: 500,
    description:
      'milliseconds a Redis command may take; past it the caller falls back (revocation checks ask the database) instead of waiting for a stalled Redis',
  })
  .add({
    env: 'TESSERA_METRICS_TOKEN',
    key: 'metricsToken',
    parse: optional(secretText(32)),
    fallback: undefined,
    shownDefault: 'unset',
    description:
      'serves Prometheus metrics at `GET /metrics` to `Authorization: Bearer <token>` only (≥ 32 characters); with neither this nor `TESSERA_METRICS_ADDRESS`, metrics are off and `/metrics` answers 404 (see Metrics)',
  })
  .add({
    env: 'TESSERA_METRICS_ADDRESS',
    key: 'metricsAddress',
    parse: optional(listenAddress),
    fallback: undefined,
    shownDefault: 'unset',
    description:
      '`HOST:PORT` (`127.0.0.1:9464`) of a separate listener that serves `GET /metrics` alone, instead of the main port; with `TESSERA_METRICS_TOKEN` too, it also asks for the token',
  })
  .add({
    env: 'TESSERA_USAGE_FLUSH_INTERVAL',
    key: 'usageFlushInterval',
    parse: integer(1, 300),
    fallback: 5,
    description:
      'seconds between the batched writes of API-key usage (token requests per client per day, the last use of each secret); a crash loses at most this much of it, a normal stop nothing',
  })
  .add({
    env: 'TESSERA_TRUST_PROXY',
    key: 'trustProxy',
    parse: boolean,
    fallback: false,
    description: 'take the client IP from `X-Forwarded-For`',
  })
  .add({
    env: 'TESSERA_CORS_ORIGINS',
    key: 'corsOrigins',
    parse: origins,
    fallback: [],
    shownDefault: 'unset',
    description:
      'comma-separated origins (`https://app.example.com`) of first-party web apps that call the session API from the browser (CORS with credentials). Browser apps registered as public clients may call `/oauth/token`, `/oauth/revoke` and `/oauth/userinfo` from the origins of their redirect URIs; discovery and the JWKS are readable from anywhere',
  });

/** Names the optional JSON file of settings; read before the others, so it is no Config field. */
export const configFileSetting = {
  env: 'TESSERA_CONFIG',
  shownDefault: 'unset',
  description:
    'path of a JSON file holding any of the settings above (same keys; numbers and booleans allowed); the environment wins',
} as const;
