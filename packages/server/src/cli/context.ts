import type { Readable, Writable } from 'node:stream';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config/config.js';
import { ensureWritableDataDirs } from '../config/data-dir.js';
import { KeyDecryptionError } from '../keys/key-encryption.js';
import { createLogger } from '../platform/logger.js';
import { createServices, prepareStorage, type Services } from '../services.js';
import { issuerToUse } from './issuer.js';
import { noteWhere } from './where.js';

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

/**
 * Opens services on the configured database (migrated, built-ins present), runs `work`, closes,
 * and tells people which database and issuer it used.
 */
export async function withServices<T>(ctx: CliContext, work: (services: Services) => Promise<T>): Promise<T> {
  const services = await openServices(ctx);
  try {
    const result = await work(services);
    noteWhere(ctx, services.config);
    return result;
  } finally {
    await services.close();
  }
}

/**
 * Services under the issuer the server records at each start (cli/issuer.ts): the CLI runs
 * without the server's PORT or TESSERA_ISSUER, and a token it mints must carry the server's issuer.
 */
async function openServices(ctx: CliContext): Promise<Services> {
  const config = loadConfig(ctx.env, ctx.cwd);
  ensureWritableDataDirs(config);
  const logger = createLogger('warn', pino.destination({ dest: 2, sync: true }));
  const services = createServices({ config, logger });
  let issuer: string;
  try {
    await openStorage(services);
    issuer = issuerToUse(ctx, config.issuer, await services.issuerRecord.recorded());
  } catch (error) {
    await services.close();
    throw error;
  }
  if (issuer === config.issuer) return services;
  await services.close();
  const recorded = createServices({
    config: loadConfig({ ...ctx.env, TESSERA_ISSUER: issuer }, ctx.cwd),
    logger,
  });
  try {
    await openStorage(recorded);
  } catch (error) {
    await recorded.close();
    throw error;
  }
  return recorded;
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
