import type { Config, DatabaseConfig } from '../config/config.js';
import type { CliContext } from './context.js';

/** The database in words, for people: a SQLite file's path, or a PostgreSQL URL without its password. */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.kind === 'sqlite') return `SQLite ${database.path}`;
  try {
    // Scheme, user, host and database only: a password may also ride in the query string.
    const url = new URL(database.url);
    const user = url.username === '' ? '' : `${url.username}@`;
    return `PostgreSQL ${url.protocol}//${user}${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** `--json` before any `--`: such output is for programs, and gets no note for people. */
export function wantsJson(ctx: CliContext): boolean {
  const end = ctx.argv.indexOf('--');
  return (end === -1 ? ctx.argv : ctx.argv.slice(0, end)).includes('--json');
}

/**
 * One line on stderr after a command that used the database, saying which database and issuer:
 * run from the wrong folder or with other settings, a command would otherwise act unseen on
 * another database (issue 13).
 */
export function noteWhere(ctx: CliContext, config: Config, issuer = true): void {
  if (wantsJson(ctx)) return;
  const parts = [
    `database: ${describeDatabase(config.database)}`,
    ...(issuer ? [`issuer: ${config.issuer}`] : []),
  ];
  ctx.stderr.write(`(${parts.join('; ')})\n`);
}
