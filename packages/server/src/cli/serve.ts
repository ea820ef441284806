import type { AddressInfo } from 'node:net';
import { type Config, ConfigError, loadConfig } from '../config/config.js';
import { ensureWritableDataDirs } from '../config/data-dir.js';
import { buildApp } from '../http/app.js';
import { type MetricsServer, startMetricsServer } from '../http/metrics-server.js';
import type { Logger } from '../platform/logger.js';
import { createLogger } from '../platform/logger.js';
import { restoreYoungGenerationGrowth } from '../platform/young-generation.js';
import { bootstrap, createServices, prepareStorage, type Services } from '../services.js';
import { parse } from './args.js';
import { asStartupError, type CliContext, UsageError } from './context.js';

const drainTimeoutMs = 10_000;

/** `tessera serve`: first-run set-up, listen, and drain on SIGTERM / SIGINT. */
export async function serveCommand(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const config = loadConfig(ctx.env, ctx.cwd);
  ensureWritableDataDirs(config);
  const logger = createLogger(config.logLevel);
  // Listen for the signals before anything starts, so one that arrives during start-up still
  // gets a clean shutdown instead of the default "die at once".
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const services = createServices({ config, logger });

  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    await prepareStorage(services);
  } catch (error) {
    await services.close();
    throw asStartupError(error);
  }
  try {
    app = await buildApp(services);
    await app.listen({ port: config.port, host: config.host });
    restoreYoungGenerationGrowth();
  } catch (error) {
    await services.close();
    // Told apart from the database's errors: an unknown HOST fails with ENOTFOUND too (issue 13).
    throw listenError(error, config);
  }
  let metricsServer: MetricsServer | undefined;
  try {
    metricsServer = await serveMetrics(services, logger);
  } catch (error) {
    await app.close();
    await services.close();
    throw error;
  }
  let adminPassword: string | undefined;
  try {
    // The admin is created only once the server serves, so a start that cannot listen never
    // creates an admin whose generated password nobody saw (issue 13).
    adminPassword = (await bootstrap(services)).generatedPassword;
    await recordIssuer(services, logger);
    await services.reloadIntervalRecord.record(config.keyRefreshInterval, services.clock.now());
  } catch (error) {
    await metricsServer?.close();
    await app.close();
    await services.close();
    throw asStartupError(error);
  }
  services.startBackgroundJobs();
  const port = (app.server.address() as AddressInfo).port;
  ctx.stdout.write(banner(config, port, adminPassword, metricsServer?.port));

  const signal = await stopRequested;
  logger.info({ signal }, 'shutting down: draining in-flight requests');
  // A request that never ends must not keep the process alive forever.
  const force = setTimeout(() => {
    logger.error('drain timed out; exiting');
    process.exit(1);
  }, drainTimeoutMs);
  force.unref();
  await metricsServer?.close();
  await app.close();
  await services.close();
  logger.info('stopped');
  return 0;
}

/** Keeps the issuer served under for the CLI, which mints tokens without the server's settings. */
async function recordIssuer(services: Services, logger: Logger): Promise<void> {
  const { issuer } = services.config;
  const previous = await services.issuerRecord.recorded();
  if (previous === issuer) return;
  if (previous !== undefined) {
    logger.warn({ previous, issuer }, 'the issuer changed: tokens issued under the previous one are refused');
  }
  await services.issuerRecord.record(issuer, services.clock.now());
}

/** TESSERA_METRICS_ADDRESS: the metrics' own listener; undefined when metrics stay on the main port or off. */
async function serveMetrics(services: Services, logger: Logger): Promise<MetricsServer | undefined> {
  const { metricsAddress, metricsToken } = services.config;
  if (metricsAddress === undefined) return undefined;
  try {
    return await startMetricsServer({
      metrics: services.metrics,
      address: metricsAddress,
      token: metricsToken,
      onError: (error) =>
        logger.error(
          { err: { message: error instanceof Error ? error.message : String(error) } },
          'metrics failed',
        ),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${metricsAddress.host}:${metricsAddress.port}`;
    throw new ConfigError('TESSERA_METRICS_ADDRESS', `cannot listen on ${where} (${code ?? String(error)})`);
  }
}

function listenError(error: unknown, config: Config): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new ConfigError('PORT', `${config.port} is already in use on ${config.host}`);
  if (code === 'EACCES') return new ConfigError('PORT', `no permission to listen on ${config.port}`);
  if (code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL' || code === 'EAI_AGAIN') {
    return new ConfigError('HOST', `cannot listen on '${config.host}' (${code})`);
  }
  return error;
}

function banner(
  config: Config,
  port: number,
  adminPassword: string | undefined,
  metricsPort: number | undefined,
): string {
  const where = config.database.kind === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
  const lines = [
    '',
    `Tessera is listening on ${config.host}:${port}`,
    `  issuer:    ${config.issuer}`,
    `  discovery: ${config.issuer}/.well-known/openid-configuration`,
    `  database:  ${where}`,
  ];
  if (config.metricsAddress !== undefined && metricsPort !== undefined) {
    lines.push(`  metrics:   http://${hostInUrl(config.metricsAddress.host)}:${metricsPort}/metrics`);
  } else if (config.metricsToken !== undefined) {
    lines.push(`  metrics:   ${config.issuer}/metrics (bearer TESSERA_METRICS_TOKEN)`);
  }
  if (adminPassword !== undefined) {
    lines.push(
      '',
      'First start: created the user "admin" with this password (shown once, not stored in clear):',
      `  ${adminPassword}`,
      '',
      'Lost it? Set another with: npm run tessera -- user set-password admin --password-stdin',
      '',
      'Next steps, in the project folder:',
      '  npm run tessera -- scope create read:things --description "Read things"',
      '  npm run tessera -- client create --name my-service --type confidential --scope read:things',
      `  curl -u CLIENT_ID:CLIENT_SECRET -d grant_type=client_credentials ${config.issuer}/oauth/token`,
    );
  }
  return `${lines.join('\n')}\n\n`;
}

function hostInUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
