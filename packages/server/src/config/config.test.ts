import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const cwd = '/srv/tessera';
const goodSecret = 'a-master-secret-that-is-long-enough-0123456789';

/** Runs loadConfig expecting a ConfigError; returns it for further assertions. */
function configError(env: Record<string, string | undefined>, at: string = cwd): ConfigError {
  try {
    loadConfig(env, at);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not throw`);
}

function expectOneLine(error: ConfigError, setting: string): void {
  expect(error.setting).toBe(setting);
  expect(error.message.startsWith(`${setting}: `)).toBe(true);
  expect(error.message).not.toContain('\n');
}

describe('loadConfig defaults', () => {
  it('serves on localhost:8080 with a SQLite database under ./data of the working directory', () => {
    const config = loadConfig({}, cwd);
    expect(config.port).toBe(8080);
    expect(config.host).toBe('localhost');
    expect(config.issuer).toBe('http://localhost:8080');
    expect(config.database).toEqual({ kind: 'sqlite', path: '/srv/tessera/data/tessera.db' });
    expect(config.dataDir).toBe('/srv/tessera/data');
    expect(config.secret).toBeUndefined();
    expect(config.adminPassword).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.logLevel).toBe('info');
    expect(config.audience).toBe('http://localhost:8080');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ PORT: '', TESSERA_ISSUER: '', TESSERA_DATABASE_URL: '' }, cwd);
    expect(config.port).toBe(8080);
    expect(config.issuer).toBe('http://localhost:8080');
    expect(config.database).toEqual({ kind: 'sqlite', path: '/srv/tessera/data/tessera.db' });
  });

  it('puts the data dir next to a configured SQLite file unless TESSERA_DATA_DIR says otherwise', () => {
    expect(loadConfig({ TESSERA_DATABASE_URL: 'db/auth.sqlite' }, cwd).dataDir).toBe('/srv/tessera/db');
    expect(
      loadConfig({ TESSERA_DATABASE_URL: 'db/auth.sqlite', TESSERA_DATA_DIR: 'state' }, cwd).dataDir,
    ).toBe('/srv/tessera/state');
  });

  it('derives the default issuer from PORT, and the default audience from the issuer', () => {
    expect(loadConfig({ PORT: '9000' }, cwd).issuer).toBe('http://localhost:9000');
    expect(loadConfig({ PORT: '0' }, cwd).issuer).toBe('http://localhost:8080');
    expect(loadConfig({ TESSERA_ISSUER: 'https://auth.example.com/' }, cwd).audience).toBe(
      'https://auth.example.com',
    );
    expect(loadConfig({ TESSERA_AUDIENCE: 'https://api.example.com' }, cwd).audience).toBe(
      'https://api.example.com',
    );
  });

  it('freezes the nested database and origins values too', () => {
    const config = loadConfig({ TESSERA_CORS_ORIGINS: 'https://app.example.com' }, cwd);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
    expect(Object.isFrozen(loadConfig({}, cwd).corsOrigins)).toBe(true);
  });
});

describe('TESSERA_ISSUER', () => {
  it('strips a trailing slash', () => {
    expect(loadConfig({ TESSERA_ISSUER: 'https://auth.example.com/' }, cwd).issuer).toBe(
      'https://auth.example.com',
    );
    expect(loadConfig({ TESSERA_ISSUER: 'https://auth.example.com/tenant/' }, cwd).issuer).toBe(
      'https://auth.example.com/tenant',
    );
  });

  it('rejects a malformed URL', () => {
    const error = configError({ TESSERA_ISSUER: 'not-a-url' });
    expectOneLine(error, 'TESSERA_ISSUER');
    expect(error.message).toContain('not-a-url');
  });

  it('rejects an issuer with a query or a fragment', () => {
    expectOneLine(configError({ TESSERA_ISSUER: 'https://auth.example.com/?tenant=a' }), 'TESSERA_ISSUER');
    expectOneLine(configError({ TESSERA_ISSUER: 'https://auth.example.com/#x' }), 'TESSERA_ISSUER');
  });

  it('rejects a scheme other than http or https', () => {
    expectOneLine(configError({ TESSERA_ISSUER: 'ftp://auth.example.com' }), 'TESSERA_ISSUER');
  });
});

describe('TESSERA_DATABASE_URL', () => {
  it('gives PostgreSQL for postgres:// and postgresql:// URLs', () => {
    for (const url of ['postgres://u:p@db.example:5432/tessera', 'postgresql://u@db.example/tessera']) {
      expect(loadConfig({ TESSERA_DATABASE_URL: url }, cwd).database).toEqual({ kind: 'postgres', url });
    }
  });

  it('keeps the data dir at ./data for PostgreSQL', () => {
    expect(loadConfig({ TESSERA_DATABASE_URL: 'postgres://db/t' }, cwd).dataDir).toBe('/srv/tessera/data');
  });

  it('gives SQLite for a plain path, relative or absolute', () => {
    expect(loadConfig({ TESSERA_DATABASE_URL: './x/t.db' }, cwd).database).toEqual({
      kind: 'sqlite',
      path: '/srv/tessera/x/t.db',
    });
    expect(loadConfig({ TESSERA_DATABASE_URL: '/var/lib/tessera/t.db' }, cwd).database).toEqual({
      kind: 'sqlite',
      path: '/var/lib/tessera/t.db',
    });
  });

  it('gives SQLite for file:///absolute/path', () => {
    expect(loadConfig({ TESSERA_DATABASE_URL: 'file:///var/lib/tessera/t.db' }, cwd).database).toEqual({
      kind: 'sqlite',
      path: '/var/lib/tessera/t.db',
    });
  });

  // A file URL without an authority is a file URL too, not a relative path named "file:/…".
  // (At commit 0e74dbb databaseConfig matched only "scheme://" and resolved this to
  // "<cwd>/file:/var/lib/tessera/t.db"; the working tree's config.ts accepts "file:" with or without "//".)
  it('gives SQLite for file:/absolute/path', () => {
    const config = loadConfig({ TESSERA_DATABASE_URL: 'file:/var/lib/tessera/t.db' }, cwd);
    expect(config.database).toEqual({ kind: 'sqlite', path: '/var/lib/tessera/t.db' });
    expect(config.dataDir).toBe('/var/lib/tessera');
  });

  it('rejects an unknown scheme', () => {
    const error = configError({ TESSERA_DATABASE_URL: 'mysql://root@db.example/tessera' });
    expectOneLine(error, 'TESSERA_DATABASE_URL');
    expect(error.message).toContain("'mysql'");
  });

  it('rejects a file URL that names no file', () => {
    expectOneLine(configError({ TESSERA_DATABASE_URL: 'file://' }), 'TESSERA_DATABASE_URL');
  });
});

describe('PORT', () => {
  it('accepts 0 (any free port) through 65535', () => {
    expect(loadConfig({ PORT: '0' }, cwd).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }, cwd).port).toBe(65_535);
  });

  it.each(['abc', '80a', '-1', '8080.5', ' 8080'])('rejects %j as not a number', (port) => {
    const error = configError({ PORT: port });
    expectOneLine(error, 'PORT');
  });

  it('rejects a port out of range', () => {
    const error = configError({ PORT: '65536' });
    expectOneLine(error, 'PORT');
    expect(error.message).toContain('65536');
  });
});

describe('other settings', () => {
  it('accepts a TESSERA_SECRET of 32 characters or more', () => {
    expect(loadConfig({ TESSERA_SECRET: goodSecret }, cwd).secret).toBe(goodSecret);
    expect(loadConfig({ TESSERA_SECRET: 'x'.repeat(32) }, cwd).secret).toBe('x'.repeat(32));
  });

  it('rejects a TESSERA_SECRET that is too short', () => {
    const error = configError({ TESSERA_SECRET: 'x'.repeat(31) });
    expectOneLine(error, 'TESSERA_SECRET');
    expect(error.message).not.toContain('x'.repeat(31));
  });

  it('accepts every pino level and rejects others', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      expect(loadConfig({ TESSERA_LOG_LEVEL: level }, cwd).logLevel).toBe(level);
    }
    const error = configError({ TESSERA_LOG_LEVEL: 'verbose' });
    expectOneLine(error, 'TESSERA_LOG_LEVEL');
    expect(error.message).toContain('verbose');
  });

  it('accepts redis:// and rediss:// and rejects other schemes', () => {
    expect(loadConfig({ TESSERA_REDIS_URL: 'redis://127.0.0.1:6379' }, cwd).redisUrl).toBe(
      'redis://127.0.0.1:6379',
    );
    expect(loadConfig({ TESSERA_REDIS_URL: 'rediss://cache.example:6380' }, cwd).redisUrl).toBe(
      'rediss://cache.example:6380',
    );
    expectOneLine(configError({ TESSERA_REDIS_URL: 'http://cache.example' }), 'TESSERA_REDIS_URL');
    expectOneLine(configError({ TESSERA_REDIS_URL: 'not a url' }), 'TESSERA_REDIS_URL');
  });

  it('accepts ES256, RS256 and EdDSA for access tokens, ES256 by default', () => {
    expect(loadConfig({}, cwd).accessTokenAlg).toBe('ES256');
    expect(loadConfig({ TESSERA_ACCESS_TOKEN_ALG: 'EdDSA' }, cwd).accessTokenAlg).toBe('EdDSA');
    const error = configError({ TESSERA_ACCESS_TOKEN_ALG: 'HS256' });
    expectOneLine(error, 'TESSERA_ACCESS_TOKEN_ALG');
    expect(error.message).toBe("TESSERA_ACCESS_TOKEN_ALG: 'HS256' is not one of ES256, RS256, EdDSA");
  });

  it('reads comma-separated CORS origins and rejects a URL with a path', () => {
    expect(
      loadConfig({ TESSERA_CORS_ORIGINS: 'https://app.example.com, http://localhost:3000/,' }, cwd)
        .corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect(loadConfig({}, cwd).corsOrigins).toEqual([]);
    expectOneLine(
      configError({ TESSERA_CORS_ORIGINS: 'https://app.example.com/app' }),
      'TESSERA_CORS_ORIGINS',
    );
  });

  it('validates numeric and boolean settings', () => {
    expectOneLine(configError({ TESSERA_ACCESS_TOKEN_TTL: '0' }), 'TESSERA_ACCESS_TOKEN_TTL');
    expectOneLine(configError({ TESSERA_BODY_LIMIT: 'lots' }), 'TESSERA_BODY_LIMIT');
    expectOneLine(configError({ TESSERA_TRUST_PROXY: 'yes' }), 'TESSERA_TRUST_PROXY');
    expect(loadConfig({ TESSERA_TRUST_PROXY: 'true' }, cwd).trustProxy).toBe(true);
  });
});

describe('TESSERA_CONFIG', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeConfig(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  it('reads settings from a JSON file, numbers and booleans included', () => {
    const path = writeConfig(
      'tessera.json',
      JSON.stringify({
        PORT: 9443,
        TESSERA_ISSUER: 'https://auth.example.com/',
        TESSERA_LOG_LEVEL: 'warn',
        TESSERA_TRUST_PROXY: true,
      }),
    );
    const config = loadConfig({ TESSERA_CONFIG: path }, cwd);
    expect(config.port).toBe(9443);
    expect(config.issuer).toBe('https://auth.example.com');
    expect(config.logLevel).toBe('warn');
    expect(config.trustProxy).toBe(true);
  });

  it('resolves a relative path against cwd', () => {
    writeConfig('rel.json', JSON.stringify({ HOST: '0.0.0.0' }));
    expect(loadConfig({ TESSERA_CONFIG: 'rel.json' }, dir).host).toBe('0.0.0.0');
  });

  it('lets environment variables win over the file', () => {
    const path = writeConfig('tessera.json', JSON.stringify({ PORT: 9443, HOST: '0.0.0.0' }));
    const config = loadConfig({ TESSERA_CONFIG: path, PORT: '7000' }, cwd);
    expect(config.port).toBe(7000);
    expect(config.host).toBe('0.0.0.0');
  });

  it('reports an unknown key as TESSERA_CONFIG', () => {
    const path = writeConfig('tessera.json', JSON.stringify({ TESSERA_PROT: 1 }));
    const error = configError({ TESSERA_CONFIG: path });
    expectOneLine(error, 'TESSERA_CONFIG');
    expect(error.message).toContain('TESSERA_PROT');
  });

  it('refuses a file that names TESSERA_CONFIG itself', () => {
    const path = writeConfig('tessera.json', JSON.stringify({ TESSERA_CONFIG: 'other.json' }));
    expectOneLine(configError({ TESSERA_CONFIG: path }), 'TESSERA_CONFIG');
  });

  it('reports invalid JSON as TESSERA_CONFIG', () => {
    const path = writeConfig('tessera.json', '{ "PORT": 9443,');
    expectOneLine(configError({ TESSERA_CONFIG: path }), 'TESSERA_CONFIG');
  });

  it('reports a missing file or a non-object as TESSERA_CONFIG', () => {
    expectOneLine(configError({ TESSERA_CONFIG: join(dir, 'missing.json') }), 'TESSERA_CONFIG');
    const path = writeConfig('array.json', '[1, 2]');
    expectOneLine(configError({ TESSERA_CONFIG: path }), 'TESSERA_CONFIG');
  });

  it('names the setting when a value in the file is bad', () => {
    const path = writeConfig('tessera.json', JSON.stringify({ PORT: 'eighty' }));
    expectOneLine(configError({ TESSERA_CONFIG: path }), 'PORT');
  });
});
