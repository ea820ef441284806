import { ConfigError, isSettingGiven } from '../config/config.js';
import type { CliContext } from './context.js';

/**
 * The issuer a command works under. Left unset, TESSERA_ISSUER follows the one the server
 * recorded at its last start; set to another, the command is refused, since tokens it minted
 * would be refused by that server with nothing but "Invalid authentication token" (issue 13).
 */
export function issuerToUse(ctx: CliContext, configured: string, recorded: string | undefined): string {
  if (recorded === undefined || recorded === configured) return configured;
  if (!isSettingGiven(ctx.env, ctx.cwd, 'TESSERA_ISSUER')) return recorded;
  throw new ConfigError(
    'TESSERA_ISSUER',
    `is ${configured}, but the server on this database last started as ${recorded}; ` +
      'leave TESSERA_ISSUER unset to use that, or start the server with the new issuer first',
  );
}
