import { scopeJson } from '../presenters/scope.js';
import { cliActor, onePositional, parse } from './args.js';
import { type CliContext, print, table, UsageError, withServices } from './context.js';

export const scopeUsage = `tessera scope create NAME [--description D] [--claim C]… [--restricted]
tessera scope update NAME [--description D] [--claim C]… [--restricted | --no-restricted]
tessera scope list
--restricted: only an administrator may put the scope on a client; users cannot take it on their API keys.`;

export async function scopeCommand(ctx: CliContext, args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'list') {
    const { values } = parse(rest, {});
    const scopes = await withServices(ctx, (services) => services.scopes.list());
    print(ctx, values.json === true, scopes.map(scopeJson), () =>
      table(
        ['SCOPE', 'DESCRIPTION', 'CLAIMS', 'RESTRICTED'],
        scopes.map((s) => [s.name, s.description, s.claims.join(' '), s.restricted ? 'yes' : 'no']),
      ),
    );
    return 0;
  }
  if (action !== 'create' && action !== 'update')
    throw new UsageError(`unknown scope command '${action ?? ''}'\n${scopeUsage}`);
  const { values, positionals } = parse(rest, {
    description: { type: 'string' },
    claim: { type: 'string', multiple: true },
    restricted: { type: 'boolean' },
    ...(action === 'update' ? { 'no-restricted': { type: 'boolean' } } : {}),
  });
  const name = onePositional(positionals, 'scope name');
  const unrestricted = (values as { 'no-restricted'?: boolean })['no-restricted'] === true;
  if (values.restricted === true && unrestricted) {
    throw new UsageError('give --restricted or --no-restricted, not both');
  }
  const changes = {
    description: values.description,
    claims: values.claim,
    restricted: unrestricted ? false : values.restricted,
  };
  const scope = await withServices(ctx, (services) =>
    action === 'create'
      ? services.scopes.create(name, changes, cliActor)
      : services.scopes.update(name, changes, cliActor),
  );
  print(
    ctx,
    values.json === true,
    scopeJson(scope),
    () => `scope ${scope.name} ${action === 'create' ? 'created' : 'updated'}`,
  );
  return 0;
}
