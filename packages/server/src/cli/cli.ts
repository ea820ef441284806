import { ConfigError, loadConfig } from '../config/config.js';
import { ensureWritableDataDirs } from '../config/data-dir.js';
import { version } from '../http/app.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../platform/errors.js';
import { migrateToLatest, openDatabase } from '../storage/database.js';
import { parse } from './args.js';
import { auditCommand, auditUsage } from './audit.js';
import { clientCommand, clientUsage } from './client.js';
import { asStartupError, type CliContext, print, UsageError } from './context.js';
import { idpCommand, idpUsage } from './idp.js';
import { keysCommand, keysUsage } from './keys.js';
import { scopeCommand, scopeUsage } from './scope.js';
import { serveCommand } from './serve.js';
import { serviceAccountCommand, serviceAccountUsage } from './service-account.js';
import { userCommand, userUsage } from './user.js';
import { noteWhere } from './where.js';

const usage = `Usage: tessera <command> [options]   (add --json for machine-readable output)
In the project folder, run it as: npm run tessera -- <command> [options]
An argument that begins with '-' (a client id, say) goes after '--': tessera client revoke -- -abc

tessera serve                 run the server (what \`npm start\` does)
tessera migrate               apply database migrations and exit
${userUsage}
${serviceAccountUsage}
${clientUsage}
${scopeUsage}
${keysUsage}
${idpUsage}
${auditUsage}

Configuration comes from environment variables; see README.md.`;

/** Each command group's usage, which `tessera GROUP --help` prints. */
const groupUsage: Readonly<Record<string, string>> = {
  user: userUsage,
  'service-account': serviceAccountUsage,
  client: clientUsage,
  scope: scopeUsage,
  keys: keysUsage,
  idp: idpUsage,
  audit: auditUsage,
};

/** Runs one CLI invocation and returns the exit code. Errors become one line on stderr. */
export async function runCli(ctx: CliContext): Promise<number> {
  const [command, ...args] = ctx.argv;
  if (command !== undefined && asksForHelp(args)) {
    ctx.stdout.write(`${groupUsage[command] ?? usage}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(ctx, args);
      case 'migrate':
        return await migrate(ctx, args);
      case 'user':
        return await userCommand(ctx, args);
      case 'service-account':
        return await serviceAccountCommand(ctx, args);
      case 'client':
        return await clientCommand(ctx, args);
      case 'scope':
        return await scopeCommand(ctx, args);
      case 'keys':
        return await keysCommand(ctx, args);
      case 'idp':
        return await idpCommand(ctx, args);
      case 'audit':
        return await auditCommand(ctx, args);
      case 'help':
        ctx.stdout.write(`${groupUsage[args[0] ?? ''] ?? usage}\n`);
        return 0;
      case '--help':
      case '-h':
      case undefined:
        ctx.stdout.write(`${usage}\n`);
        return command === undefined ? 2 : 0;
      case '--version':
        ctx.stdout.write(`${version}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    return report(ctx, error);
  }
}

async function migrate(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values } = parse(args, {});
  const config = loadConfig(ctx.env, ctx.cwd);
  ensureWritableDataDirs(config);
  const database = openDatabase(config.database);
  let applied: string[];
  try {
    applied = await migrateToLatest(database.db, database.schema);
  } catch (error) {
    throw asStartupError(error);
  } finally {
    await database.close();
  }
  print(ctx, values.json === true, { applied }, () =>
    applied.length === 0 ? 'database is up to date' : `applied ${applied.join(', ')}`,
  );
  noteWhere(ctx, config, false);
  return 0;
}

/** `--help` or `-h` among the arguments, before any `--` (after it, they are values). */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

function report(ctx: CliContext, error: unknown): number {
  if (error instanceof UsageError) {
    ctx.stderr.write(`tessera: ${error.message}\nRun 'npm run tessera -- help' for usage.\n`);
    return 2;
  }
  if (
    error instanceof ConfigError ||
    error instanceof InvalidInputError ||
    error instanceof NotFoundError ||
    error instanceof ConflictError
  ) {
    ctx.stderr.write(`tessera: ${error.message}\n`);
    return 1;
  }
  ctx.stderr.write(`tessera: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
