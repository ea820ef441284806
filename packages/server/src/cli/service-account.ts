import type { User } from '../accounts/user.js';
import { InvalidInputError } from '../platform/errors.js';
import { serviceAccountJson } from '../presenters/service-account.js';
import type { Services } from '../services.js';
import { cliActor, onePositional, optionalInteger, parse } from './args.js';
import { type CliContext, print, table, UsageError, withServices } from './context.js';

export const serviceAccountUsage = `tessera service-account create --name N [--scope S]… [--permission P]…
tessera service-account token NAME [--days D]   (default 30, at most 365; printed once, with its jti)
tessera service-account revoke-token JTI          (that one token is refused at once, everywhere)
tessera service-account list
tessera service-account disable NAME | enable NAME`;

const defaultTokenDays = 30;

export async function serviceAccountCommand(ctx: CliContext, args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case 'create':
      return create(ctx, rest);
    case 'token':
      return token(ctx, rest);
    case 'revoke-token':
      return revokeToken(ctx, rest);
    case 'list':
      return list(ctx, rest);
    case 'disable':
    case 'enable':
      return setDisabled(ctx, action, rest);
    default:
      throw new UsageError(`unknown service-account command '${action ?? ''}'\n${serviceAccountUsage}`);
  }
}

async function create(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    name: { type: 'string' },
    scope: { type: 'string', multiple: true },
    permission: { type: 'string', multiple: true },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.name === undefined) throw new UsageError('--name is required');
  const account = await withServices(ctx, (services) =>
    services.users.createServiceAccount(
      {
        name: values.name as string,
        scopes: values.scope?.flatMap((s) => s.split(' ').filter((x) => x !== '')),
        permissions: values.permission,
      },
      cliActor,
    ),
  );
  print(
    ctx,
    values.json === true,
    serviceAccountJson(account),
    () => `service account ${account.username} created (id ${account.id})`,
  );
  return 0;
}

async function token(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { days: { type: 'string' } });
  const name = onePositional(positionals, 'service account name');
  const days = optionalInteger(values.days, '--days') ?? defaultTokenDays;
  const issued = await withServices(ctx, (services) =>
    services.users.issueServiceToken(name, days, cliActor),
  );
  const output = {
    access_token: issued.accessToken.token,
    token_type: 'Bearer',
    expires_in: issued.accessToken.expiresIn,
    expires_at: new Date(issued.accessToken.expiresAt * 1000).toISOString(),
    // What `service-account revoke-token` takes, so this one token can be revoked later.
    jti: issued.accessToken.jti,
  };
  print(ctx, values.json === true, output, () => JSON.stringify(output, null, 2));
  if (values.json !== true) {
    ctx.stderr.write('Store the token now: it is shown once and cannot be retrieved again.\n');
  }
  return 0;
}

async function revokeToken(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  const jti = onePositional(positionals, 'token id (jti)');
  const revoked = await withServices(ctx, (services) => services.serviceTokens.revoke(jti, cliActor));
  const output = {
    jti,
    service_account_id: revoked.accountId,
    expires_at: revoked.expiresAt.toISOString(),
    already_ended: revoked.endedAt !== null,
  };
  print(ctx, values.json === true, output, () => `token ${jti} revoked: it is refused from now on`);
  return 0;
}

async function list(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const accounts = await withServices(ctx, (services) => services.users.list('service'));
  print(ctx, values.json === true, accounts.map(serviceAccountJson), () =>
    table(
      ['NAME', 'ID', 'SCOPES', 'PERMISSIONS', 'STATUS'],
      accounts.map((a) => [
        a.username,
        a.id,
        a.scopes.join(' '),
        a.permissions.join(','),
        a.disabled ? 'disabled' : 'active',
      ]),
    ),
  );
  return 0;
}

async function setDisabled(
  ctx: CliContext,
  action: 'disable' | 'enable',
  args: readonly string[],
): Promise<number> {
  const { values, positionals } = parse(args, {});
  const name = onePositional(positionals, 'service account name');
  const account = await withServices(ctx, async (services) => {
    await serviceAccount(services, name);
    return services.users.setDisabled(name, action === 'disable', cliActor);
  });
  print(
    ctx,
    values.json === true,
    serviceAccountJson(account),
    () =>
      `service account ${account.username} ${action}d` +
      (action === 'disable' ? '; its tokens are refused from now on' : ''),
  );
  return 0;
}

/** `service-account …` commands act on service accounts only; people have `tessera user`. */
async function serviceAccount(services: Services, name: string): Promise<User> {
  const account = await services.users.get(name);
  if (account.kind !== 'service') throw new InvalidInputError(`'${name}' is not a service account`);
  return account;
}
