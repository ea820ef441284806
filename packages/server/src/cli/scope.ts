import type { Scope } from '../clients/scope.js';
import { cliActor, onePositional, parse } from './args.js';
import { type CliContext, print, table, UsageError, withServices } from './context.js';

export const scopeUsage = `tessera scope create NAME [--description D] [--claim C]…
tessera scope update NAME [--description D] [--claim C]…
tessera scope list`;

export async function scopeCommand(ctx: CliContext, args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'list') {
    const { values } = parse(rest, {});
    const scopes = await withServices(ctx, (services) => services.scopes.list());
    print(ctx, values.json === true, scopes.map(scopeJson), () =>
      table(
        ['SCOPE', 'DESCRIPTION', 'CLAIMS'],
        scopes.map((s) => [s.name, s.description, s.claims.join(' ')]),
      ),
    );
    return 0;
  }
  if (action !== 'create' && action !== 'update')
    throw new UsageError(`unknown scope command '${action ?? ''}'\n${scopeUsage}`);
  const { values, positionals } = parse(rest, {
    description: { type: 'string' },
    claim: { type: 'string', multiple: true },
  });
  const name = onePositional(positionals, 'scope name');
  const changes = { description: values.description, claims: values.claim };
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

function scopeJson(scope: Scope) {
  return { name: scope.name, description: scope.description, claims: scope.claims, built_in: scope.builtIn };
}
