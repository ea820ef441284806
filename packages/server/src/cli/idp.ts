import type { Readable } from 'node:stream';
import type { IdentityProvider } from '../accounts/federation/identity-provider.js';
import { identityProviderJson } from '../presenters/identity-provider.js';
import type { Services } from '../services.js';
import { cliActor, onePositional, parse } from './args.js';
import { type CliContext, print, table, UsageError, withServices } from './context.js';

export const idpUsage = `tessera idp create --issuer URL --client-id ID [--client-secret-stdin] [--name N]
                   [--groups-claim CLAIM] [--group-map UPSTREAM=LOCAL]… [--allowed-domain D]…
                   [--scope S]… [--username-claim email|preferred_username]
                   [--no-provisioning] [--link-by-email]
tessera idp list
tessera idp delete ID
Upstream OpenID providers for federated sign-in. The issuer must be https (http only on 127.0.0.1
or localhost) and answer discovery with exactly this issuer. Register the printed redirect_uri at
the provider. --no-provisioning: people need an account linked already; --link-by-email: an
unknown identity whose verified email matches one account is linked to it.`;

export async function idpCommand(ctx: CliContext, args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case 'create':
      return create(ctx, rest);
    case 'list':
      return list(ctx, rest);
    case 'delete':
      return remove(ctx, rest);
    default:
      throw new UsageError(`unknown idp command '${action ?? ''}'\n${idpUsage}`);
  }
}

const json = (services: Services, provider: IdentityProvider) =>
  identityProviderJson(provider, services.federation.providers.redirectUri(provider));

async function create(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret-stdin': { type: 'boolean' },
    name: { type: 'string' },
    'groups-claim': { type: 'string' },
    'group-map': { type: 'string', multiple: true },
    'allowed-domain': { type: 'string', multiple: true },
    scope: { type: 'string', multiple: true },
    'username-claim': { type: 'string' },
    'no-provisioning': { type: 'boolean' },
    'link-by-email': { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.issuer === undefined) throw new UsageError('--issuer is required');
  if (values['client-id'] === undefined) throw new UsageError('--client-id is required');
  // A secret on the command line would stay in the shell's history and in `ps`.
  const clientSecret = values['client-secret-stdin'] === true ? await readSecret(ctx) : undefined;
  const created = await withServices(ctx, async (services) => {
    const provider = await services.federation.providers.create(
      {
        issuer: values.issuer as string,
        clientId: values['client-id'] as string,
        clientSecret,
        name: values.name,
        groupsClaim: values['groups-claim'],
        groupMap: groupMap(values['group-map'] ?? []),
        allowedDomains: values['allowed-domain'],
        scopes: values.scope,
        usernameClaim: values['username-claim'],
        provisioning: values['no-provisioning'] !== true,
        linkByEmail: values['link-by-email'] === true,
      },
      cliActor,
    );
    return json(services, provider);
  });
  print(
    ctx,
    values.json === true,
    created,
    () =>
      `identity provider ${created.id} (${created.name}) created\nredirect_uri: ${created.redirect_uri}\n` +
      'register this redirect URI at the provider',
  );
  return 0;
}

async function list(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const providers = await withServices(ctx, async (services) =>
    (await services.federation.providers.list()).map((p) => json(services, p)),
  );
  print(ctx, values.json === true, providers, () =>
    table(
      ['ID', 'NAME', 'ISSUER', 'CLIENT ID', 'PROVISIONING', 'REDIRECT URI'],
      providers.map((p) => [
        p.id,
        p.name,
        p.issuer,
        p.client_id,
        p.provisioning ? 'on' : 'off',
        p.redirect_uri,
      ]),
    ),
  );
  return 0;
}

async function remove(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  const id = onePositional(positionals, 'provider id');
  const provider = await withServices(ctx, (services) => services.federation.providers.delete(id, cliActor));
  print(
    ctx,
    values.json === true,
    { id: provider.id, deleted: true },
    () => `identity provider ${provider.id} deleted`,
  );
  return 0;
}

/** `UPSTREAM=LOCAL` pairs; the upstream name may itself hold '=' only before the last one. */
function groupMap(pairs: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    if (at <= 0 || at === pair.length - 1)
      throw new UsageError(`--group-map takes UPSTREAM=LOCAL, got '${pair}'`);
    map[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return map;
}

async function readSecret(ctx: CliContext): Promise<string> {
  // On a terminal the typed secret would be echoed and the command wait for Ctrl-D unseen.
  if ((ctx.stdin as { isTTY?: boolean }).isTTY === true)
    throw new UsageError(
      'pipe the secret in, e.g. printf \'%s\' "$SECRET" | npm run tessera -- idp create … --client-secret-stdin',
    );
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin as Readable)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const secret = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError('--client-secret-stdin read an empty secret');
  return secret;
}
