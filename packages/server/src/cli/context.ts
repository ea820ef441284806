import type { Readable, Writable } from 'node:stream';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config/config.js';
import { ensureWritableDataDirs } from '../config/data-dir.js';
import { KeyDecryptionError } from '../keys/key-encryption.js';
import { createLogger } from '../platform/logger.js';
import { createServices, prepareStorage, type Services } from '../services.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliContext {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  /** Ends long-running commands (`audit tail --follow`) like SIGINT would; tests use it. */
  readonly signal?: AbortSignal;
}

/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Opens services on the configured database (migrated, built-ins present), runs `work`, closes. */
export async function withServices<T>(ctx: CliContext, work: (services: Services) => Promise<T>): Promise<T> {
  const config = loadConfig(ctx.env, ctx.cwd);
  ensureWritableDataDirs(config);
  const logger = createLogger('warn', pino.destination({ dest: 2, sync: true }));
  const services = createServices({ config, logger });
  try {
    await openStorage(services);
    return await work(services);
  } finally {
    await services.close();
  }
}

/** prepareStorage, with database and secret failures turned into one-line configuration errors. */
export async function openStorage(services: Services): Promise<void> {
  try {
    await prepareStorage(services);
  } catch (error) {
    throw asStartupError(error);
  }
}

export function asStartupError(error: unknown): unknown {
  if (error instanceof ConfigError) return error;
  if (error instanceof KeyDecryptionError) return new ConfigError('TESSERA_SECRET', error.message);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EACCES|SQLITE_|28|3D|08)/.test(code)) {
    return new ConfigError('TESSERA_DATABASE_URL', `cannot open the database: ${(error as Error).message}`);
  }
  return error;
}

export function print(ctx: CliContext, json: boolean, value: unknown, human: () => string): void {
  ctx.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

/** Formats rows as an aligned text table. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
