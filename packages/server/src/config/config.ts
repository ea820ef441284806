import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A setting that cannot be used; main.ts prints it as one line and exits non-zero. */
export class ConfigError extends Error {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
    this.setting = setting;
  }
}

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly issuer: string;
  readonly database: DatabaseConfig;
  readonly dataDir: string;
  /** Master secret for encrypting private keys at rest; undefined means "use the secret file in dataDir". */
  readonly secret: string | undefined;
  readonly adminPassword: string | undefined;
  readonly redisUrl: string | undefined;
  readonly logLevel: string;
  /** Default `aud` of access tokens when a client asks for no resource. */
  readonly audience: string;
  readonly accessTokenTtl: number;
  /** Signature algorithm of access tokens. */
  readonly accessTokenAlg: 'ES256' | 'RS256' | 'EdDSA';
  readonly idTokenTtl: number;
  /** Session API access-token lifetime (s). */
  readonly sessionAccessTtl: number;
  /** Session API refresh-token lifetime (s), sliding. */
  readonly sessionRefreshTtl: number;
  /** OAuth clients' refresh-token lifetime (s), sliding, unless the client sets its own. */
  readonly refreshTokenTtl: number;
  /** No session outlives this (s), however often it is refreshed. */
  readonly sessionMaxAge: number;
  /** Whether GET /token also accepts the session's newest access token (issue 8: existing clients do this). */
  readonly sessionAccessTokenRefresh: boolean;
  /** A browser session unused this long (s) is over. */
  readonly browserIdleTimeout: number;
  /** Seconds during which a just-rotated refresh token is still honoured (concurrent refreshes). */
  readonly refreshGrace: number;
  readonly bodyLimit: number;
  readonly clientCacheTtl: number;
  readonly keyRefreshInterval: number;
  readonly trustProxy: boolean;
  /** Origins of first-party web apps allowed to call the session API from the browser (CORS, with credentials). */
  readonly corsOrigins: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** Every setting, its meaning and default; README's configuration table is written from this. */
export const settings = {
  PORT: 'HTTP port (default 8080)',
  HOST: 'interface to bind (default localhost)',
  TESSERA_ISSUER: 'issuer URL, also the base of every advertised endpoint (default http://localhost:PORT)',
  TESSERA_DATABASE_URL: 'SQLite file path, or postgres://… (default ./data/tessera.db)',
  TESSERA_DATA_DIR: 'directory for the secret file (default: the SQLite file’s directory, or ./data)',
  TESSERA_SECRET: 'master secret (≥ 32 characters) that encrypts private signing keys at rest',
  TESSERA_ADMIN_PASSWORD: 'password of the admin user created on first start (default: random, printed once)',
  TESSERA_REDIS_URL: 'redis://… for revocation shared across instances (optional)',
  TESSERA_LOG_LEVEL: 'pino level: fatal, error, warn, info, debug, trace, silent (default info)',
  TESSERA_AUDIENCE: 'default `aud` of access tokens (default: the issuer)',
  TESSERA_ACCESS_TOKEN_TTL: 'access-token lifetime in seconds for OAuth clients (default 3600)',
  TESSERA_ACCESS_TOKEN_ALG: 'signature algorithm of access tokens: ES256 (default), RS256 or EdDSA',
  TESSERA_ID_TOKEN_TTL: 'ID-token lifetime in seconds (default 3600)',
  TESSERA_SESSION_ACCESS_TTL: 'session API access-token lifetime in seconds (default 300)',
  TESSERA_SESSION_REFRESH_TTL:
    'session API refresh-token lifetime in seconds, sliding (default 604800: 7 days)',
  TESSERA_REFRESH_TOKEN_TTL:
    'OAuth clients’ refresh-token lifetime in seconds, sliding (default 2592000: 30 days)',
  TESSERA_SESSION_MAX_AGE:
    'absolute cap on a session in seconds, however often refreshed (default 7776000: 90 days)',
  TESSERA_REFRESH_GRACE:
    'seconds a rotated refresh token still works, for concurrent refreshes (default 10; 0 allowed)',
  TESSERA_SESSION_ACCESS_TOKEN_REFRESH:
    'true (default) to let GET /token refresh with the session’s newest access token, even just expired; false for refresh tokens only',
  TESSERA_BROWSER_IDLE_TIMEOUT:
    'seconds of inactivity after which a browser sign-in session ends (default 43200: 12 hours)',
  TESSERA_BODY_LIMIT: 'largest request body in bytes (default 65536)',
  TESSERA_CLIENT_CACHE_TTL:
    'seconds a client lookup is cached; changes made by the CLI reach a running server within it (default 5)',
  TESSERA_KEY_REFRESH_INTERVAL:
    'seconds between reloads of the signing keys, so `keys rotate` reaches running servers (default 60)',
  TESSERA_CORS_ORIGINS:
    'comma-separated origins (https://app.example.com) whose pages may call the session API and token endpoints from the browser',
  TESSERA_TRUST_PROXY: 'true to take the client IP from X-Forwarded-For (default false)',
  TESSERA_CONFIG: 'path of a JSON file holding any of these settings; environment variables win',
} as const;

const logLevels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Reads, validates and freezes the configuration. Throws ConfigError naming the first bad setting. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const merged: Env = { ...readConfigFile(env.TESSERA_CONFIG, cwd), ...definedOnly(env) };
  const get = (name: keyof typeof settings): string | undefined => {
    const value = merged[name];
    return value === undefined || value === '' ? undefined : value;
  };

  const port = integer('PORT', get('PORT'), 8080, 0, 65_535);
  const host = get('HOST') ?? 'localhost';
  const issuer = issuerUrl(get('TESSERA_ISSUER') ?? `http://localhost:${port === 0 ? 8080 : port}`);
  const database = databaseConfig(get('TESSERA_DATABASE_URL') ?? './data/tessera.db', cwd);
  const dataDir = resolve(
    cwd,
    get('TESSERA_DATA_DIR') ?? (database.kind === 'sqlite' ? dirname(database.path) : './data'),
  );
  const secret = get('TESSERA_SECRET');
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('TESSERA_SECRET', 'must be at least 32 characters (use `openssl rand -base64 32`)');
  }
  const redisUrl = get('TESSERA_REDIS_URL');
  if (redisUrl !== undefined) url('TESSERA_REDIS_URL', redisUrl, ['redis:', 'rediss:']);
  const logLevel = get('TESSERA_LOG_LEVEL') ?? 'info';
  if (!logLevels.has(logLevel)) {
    throw new ConfigError(
      'TESSERA_LOG_LEVEL',
      `unknown level '${logLevel}'; use one of ${[...logLevels].join(', ')}`,
    );
  }
  const audience = get('TESSERA_AUDIENCE') ?? issuer;

  return Object.freeze({
    port,
    host,
    issuer,
    database: Object.freeze(database),
    dataDir,
    secret,
    adminPassword: get('TESSERA_ADMIN_PASSWORD'),
    redisUrl,
    logLevel,
    audience,
    accessTokenTtl: integer('TESSERA_ACCESS_TOKEN_TTL', get('TESSERA_ACCESS_TOKEN_TTL'), 3600, 1, 31_536_000),
    accessTokenAlg: accessTokenAlgorithm(get('TESSERA_ACCESS_TOKEN_ALG')),
    idTokenTtl: integer('TESSERA_ID_TOKEN_TTL', get('TESSERA_ID_TOKEN_TTL'), 3600, 1, 86_400),
    sessionAccessTtl: integer(
      'TESSERA_SESSION_ACCESS_TTL',
      get('TESSERA_SESSION_ACCESS_TTL'),
      300,
      1,
      86_400,
    ),
    sessionRefreshTtl: integer(
      'TESSERA_SESSION_REFRESH_TTL',
      get('TESSERA_SESSION_REFRESH_TTL'),
      604_800,
      60,
      31_536_000,
    ),
    refreshTokenTtl: integer(
      'TESSERA_REFRESH_TOKEN_TTL',
      get('TESSERA_REFRESH_TOKEN_TTL'),
      2_592_000,
      60,
      31_536_000,
    ),
    sessionMaxAge: integer(
      'TESSERA_SESSION_MAX_AGE',
      get('TESSERA_SESSION_MAX_AGE'),
      7_776_000,
      60,
      31_536_000,
    ),
    sessionAccessTokenRefresh: boolean(
      'TESSERA_SESSION_ACCESS_TOKEN_REFRESH',
      get('TESSERA_SESSION_ACCESS_TOKEN_REFRESH'),
      true,
    ),
    browserIdleTimeout: integer(
      'TESSERA_BROWSER_IDLE_TIMEOUT',
      get('TESSERA_BROWSER_IDLE_TIMEOUT'),
      43_200,
      60,
      31_536_000,
    ),
    refreshGrace: integer('TESSERA_REFRESH_GRACE', get('TESSERA_REFRESH_GRACE'), 10, 0, 300),
    bodyLimit: integer('TESSERA_BODY_LIMIT', get('TESSERA_BODY_LIMIT'), 65_536, 1024, 10_485_760),
    clientCacheTtl: integer('TESSERA_CLIENT_CACHE_TTL', get('TESSERA_CLIENT_CACHE_TTL'), 5, 0, 3600),
    keyRefreshInterval: integer(
      'TESSERA_KEY_REFRESH_INTERVAL',
      get('TESSERA_KEY_REFRESH_INTERVAL'),
      60,
      1,
      86_400,
    ),
    trustProxy: boolean('TESSERA_TRUST_PROXY', get('TESSERA_TRUST_PROXY'), false),
    corsOrigins: Object.freeze(origins(get('TESSERA_CORS_ORIGINS'))),
  });
}

function definedOnly(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

function readConfigFile(path: string | undefined, cwd: string): Env {
  if (path === undefined || path === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(resolve(cwd, path), 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new ConfigError('TESSERA_CONFIG', `${path} ${reason}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('TESSERA_CONFIG', `${path} must hold a JSON object of settings`);
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in settings) || key === 'TESSERA_CONFIG') {
      throw new ConfigError('TESSERA_CONFIG', `${path} names unknown setting '${key}'`);
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ConfigError(key, `in ${path} must be a string, number or boolean`);
    }
    result[key] = String(value);
  }
  return result;
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `'${raw}' is not a whole number`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `${value} is outside ${min}–${max}`);
  return value;
}

function boolean(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `'${raw}' is not true or false`);
}

function url(name: string, raw: string, protocols: readonly string[]): URL {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `'${raw}' is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `'${raw}' must use ${protocols.map((p) => p.replace(':', '')).join(' or ')}`);
  }
  return parsed;
}

function issuerUrl(raw: string): string {
  const parsed = url('TESSERA_ISSUER', raw, ['http:', 'https:']);
  // RFC 8414 §2: the issuer has no query or fragment.
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new ConfigError('TESSERA_ISSUER', `'${raw}' must not have a query or fragment`);
  }
  return parsed.href.replace(/\/+$/, '');
}

function databaseConfig(raw: string, cwd: string): DatabaseConfig {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(raw)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    url('TESSERA_DATABASE_URL', raw, ['postgres:', 'postgresql:']);
    return { kind: 'postgres', url: raw };
  }
  const fileUrl = /^(?:file|sqlite):(?:\/\/)?(.*)$/i.exec(raw);
  if (fileUrl !== null) {
    const path = fileUrl[1] ?? '';
    if (path === '') throw new ConfigError('TESSERA_DATABASE_URL', `'${raw}' names no file`);
    return { kind: 'sqlite', path: resolve(cwd, path) };
  }
  if (scheme !== undefined) {
    throw new ConfigError(
      'TESSERA_DATABASE_URL',
      `unknown database scheme '${scheme}'; use a SQLite file path or postgres://…`,
    );
  }
  return { kind: 'sqlite', path: resolve(cwd, raw) };
}

function accessTokenAlgorithm(raw: string | undefined): 'ES256' | 'RS256' | 'EdDSA' {
  if (raw === undefined) return 'ES256';
  if (raw === 'ES256' || raw === 'RS256' || raw === 'EdDSA') return raw;
  throw new ConfigError('TESSERA_ACCESS_TOKEN_ALG', `'${raw}' is not one of ES256, RS256, EdDSA`);
}

function origins(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
    .map((o) => {
      const parsed = url('TESSERA_CORS_ORIGINS', o, ['http:', 'https:']);
      if (parsed.origin !== o.replace(/\/$/, ''))
        throw new ConfigError('TESSERA_CORS_ORIGINS', `'${o}' is not an origin (scheme://host[:port])`);
      return parsed.origin;
    });
}
