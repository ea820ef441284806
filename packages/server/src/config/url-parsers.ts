import { resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import type { ParseContext, Parser } from './parsers.js';

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** A URL with one of `protocols` (e.g. 'redis:'), kept as written. */
export function url(protocols: readonly string[]): Parser<string> {
  return (raw, context) => {
    checkedUrl(raw, protocols, context);
    return raw;
  };
}

/** An http(s) issuer without query or fragment (RFC 8414 §2), without a trailing slash. */
export const issuerUrl: Parser<string> = (raw, context) => {
  const parsed = checkedUrl(raw, ['http:', 'https:'], context);
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new ConfigError(context.setting, `'${raw}' must not have a query or fragment`);
  }
  return parsed.href.replace(/\/+$/, '');
};

/** Comma-separated web origins (scheme://host[:port]); blanks between commas are ignored. */
export const origins: Parser<readonly string[]> = (raw, context) =>
  raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
    .map((o) => {
      const parsed = checkedUrl(o, ['http:', 'https:'], context);
      if (parsed.origin !== o.replace(/\/$/, '')) {
        throw new ConfigError(context.setting, `'${o}' is not an origin (scheme://host[:port])`);
      }
      return parsed.origin;
    });

/** postgres:// or postgresql:// is PostgreSQL; a path, file: or sqlite: URL is a SQLite file. */
export const databaseUrl: Parser<DatabaseConfig> = (raw, context) => {
  const { setting, cwd } = context;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(raw)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    checkedUrl(raw, ['postgres:', 'postgresql:'], context);
    return { kind: 'postgres', url: raw };
  }
  // "file:/abs/path" without "//" is a file URL too, not a relative path named "file:/…".
  const fileUrl = /^(?:file|sqlite):(?:\/\/)?(.*)$/i.exec(raw);
  if (fileUrl !== null) {
    const path = fileUrl[1] ?? '';
    if (path === '') throw new ConfigError(setting, `'${raw}' names no file`);
    return { kind: 'sqlite', path: resolve(cwd, path) };
  }
  if (scheme !== undefined) {
    throw new ConfigError(
      setting,
      `unknown database scheme '${scheme}'; use a SQLite file path or postgres://…`,
    );
  }
  return { kind: 'sqlite', path: resolve(cwd, raw) };
};

function checkedUrl(raw: string, protocols: readonly string[], { setting }: ParseContext): URL {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(setting, `'${raw}' is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    const names = protocols.map((p) => p.replace(':', '')).join(' or ');
    throw new ConfigError(setting, `'${raw}' must use ${names}`);
  }
  return parsed;
}
