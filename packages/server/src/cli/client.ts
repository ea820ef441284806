import type { Client } from '../clients/client.js';
import { clientJson } from '../presenters/client.js';
import { cliActor, onePositional, optionalInteger, parse } from './args.js';
import { type CliContext, print, table, UsageError, withServices } from './context.js';

export const clientUsage = `tessera client create --name N --type confidential|public [--grant G]… [--redirect-uri URI]…
                      [--post-logout-redirect-uri URI]… [--scope S]… [--owner USERNAME]
                      [--access-token-ttl SECONDS] [--refresh-token-ttl SECONDS] [--first-party]
                      [--id-token-alg RS256|ES256|EdDSA] [--introspection]
                      [--rate-limit-tier T] [--rate-limit PER_MINUTE]
tessera client update ID [--name N] [--scope S]… [--redirect-uri URI]… [--post-logout-redirect-uri URI]…
                      [--grant G]… [--access-token-ttl SECONDS] [--refresh-token-ttl SECONDS]
                      [--id-token-alg RS256|ES256|EdDSA] [--introspection | --no-introspection]
                      [--rate-limit-tier T|default] [--rate-limit PER_MINUTE|default]
                      (a list given replaces the client's)
tessera client list | show ID
tessera client rotate-secret ID [--grace SECONDS]
tessera client revoke ID | delete ID
Without --scope, a client with the authorization_code grant gets openid profile email
(+ offline_access with refresh_token); any other client gets none.
--introspection: the client (a resource server) may introspect any token; others only their own.
--rate-limit-tier: a tier of TESSERA_RATE_LIMIT_TIERS (starter, professional, unlimited by default);
--rate-limit: the client's own requests per minute, winning over its tier. Either applies on
/oauth/token, /oauth/revoke and /oauth/introspect; \`default\` clears it.`;

/** The options that describe a client, shared by `create` and `update`. */
const registrationOptions = {
  name: { type: 'string' },
  grant: { type: 'string', multiple: true },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  'access-token-ttl': { type: 'string' },
  'refresh-token-ttl': { type: 'string' },
  'id-token-alg': { type: 'string' },
  introspection: { type: 'boolean' },
  'rate-limit-tier': { type: 'string' },
  'rate-limit': { type: 'string' },
} as const;

export async function clientCommand(ctx: CliContext, args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case 'create':
      return create(ctx, rest);
    case 'update':
      return update(ctx, rest);
    case 'list':
      return list(ctx, rest);
    case 'show':
      return show(ctx, rest);
    case 'rotate-secret':
      return rotateSecret(ctx, rest);
    case 'revoke':
      return revoke(ctx, rest);
    case 'delete':
      return remove(ctx, rest);
    default:
      throw new UsageError(`unknown client command '${action ?? ''}'\n${clientUsage}`);
  }
}

async function create(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...registrationOptions,
    type: { type: 'string' },
    owner: { type: 'string' },
    'first-party': { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.name === undefined) throw new UsageError('--name is required');
  if (values.type === undefined) throw new UsageError('--type is required (confidential or public)');
  const issued = await withServices(ctx, (services) =>
    services.clients.create(
      {
        name: values.name as string,
        type: values.type as string,
        grantTypes: values.grant,
        redirectUris: values['redirect-uri'],
        postLogoutRedirectUris: values['post-logout-redirect-uri'],
        scopes: scopeList(values.scope),
        ownerUsername: values.owner,
        accessTokenTtl: optionalInteger(values['access-token-ttl'], '--access-token-ttl'),
        refreshTokenTtl: optionalInteger(values['refresh-token-ttl'], '--refresh-token-ttl'),
        firstParty: values['first-party'],
        idTokenSignedResponseAlg: values['id-token-alg'],
        introspection: values.introspection,
        ...rateLimitOptions(values),
      },
      cliActor,
    ),
  );
  const output = {
    client_id: issued.client.id,
    ...(issued.secret === undefined ? {} : { client_secret: issued.secret }),
  };
  print(ctx, values.json === true, output, () => JSON.stringify(output, null, 2));
  if (issued.secret !== undefined && values.json !== true) {
    ctx.stderr.write('Store the client secret now: it is shown once and only its hash is kept.\n');
  }
  return 0;
}

async function update(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...registrationOptions,
    'no-introspection': { type: 'boolean' },
  });
  const clientId = onePositional(positionals, 'client id');
  if (values.introspection === true && values['no-introspection'] === true) {
    throw new UsageError('give --introspection or --no-introspection, not both');
  }
  const input = {
    name: values.name,
    grantTypes: values.grant,
    redirectUris: values['redirect-uri'],
    postLogoutRedirectUris: values['post-logout-redirect-uri'],
    scopes: scopeList(values.scope),
    accessTokenTtl: optionalInteger(values['access-token-ttl'], '--access-token-ttl'),
    refreshTokenTtl: optionalInteger(values['refresh-token-ttl'], '--refresh-token-ttl'),
    idTokenSignedResponseAlg: values['id-token-alg'],
    introspection: values['no-introspection'] === true ? false : values.introspection,
    ...rateLimitOptions(values),
  };
  if (Object.values(input).every((value) => value === undefined)) {
    throw new UsageError(`nothing to change\n${clientUsage}`);
  }
  const client = await withServices(ctx, (services) => services.clients.update(clientId, input, cliActor));
  print(
    ctx,
    values.json === true,
    clientJson(client),
    () => `client ${client.id} updated\n${describe(client)}`,
  );
  return 0;
}

async function show(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  const clientId = onePositional(positionals, 'client id');
  const client = await withServices(ctx, (services) => services.clients.get(clientId));
  print(ctx, values.json === true, clientJson(client), () => describe(client));
  return 0;
}

/** `--rate-limit-tier` and `--rate-limit`; `default` clears either (null), leaving out changes nothing. */
function rateLimitOptions(values: { 'rate-limit-tier'?: string; 'rate-limit'?: string }) {
  const tier = values['rate-limit-tier'];
  const perMinute = values['rate-limit'];
  return {
    rateLimitTier: tier === 'default' ? null : tier,
    rateLimit: perMinute === 'default' ? null : optionalInteger(perMinute, '--rate-limit'),
  };
}

/** `--scope` may be repeated or hold several space-separated scopes. */
function scopeList(values: readonly string[] | undefined): string[] | undefined {
  return values?.flatMap((s) => s.split(' ').filter((x) => x !== ''));
}

/** One client as `name: value` lines, for people. */
function describe(client: Client): string {
  const rows: Array<[string, string]> = [
    ['client id', client.id],
    ['name', client.name],
    ['type', client.type],
    ['grants', client.grantTypes.join(' ')],
    ['scopes', client.scopes.join(' ')],
    ['redirect uris', client.redirectUris.join(' ')],
    ['introspection', introspectionWords(client)],
    ['rate limit', rateLimitWords(client)],
    ['status', client.revokedAt ? 'revoked' : 'active'],
  ];
  return rows.map(([label, value]) => `${`${label}:`.padEnd(15)}${value}`.trimEnd()).join('\n');
}

function rateLimitWords(client: Client): string {
  if (client.rateLimit !== null) return `${client.rateLimit}/min (own)`;
  return client.rateLimitTier === null ? 'default' : `tier ${client.rateLimitTier}`;
}

function introspectionWords(client: Client): string {
  return client.introspection ? 'any token' : 'own tokens';
}

async function list(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values } = parse(args, {});
  const clients = await withServices(ctx, (services) => services.clients.list());
  print(ctx, values.json === true, clients.map(clientJson), () =>
    table(
      ['CLIENT ID', 'NAME', 'TYPE', 'GRANTS', 'SCOPES', 'INTROSPECTS', 'STATUS'],
      clients.map((c) => [
        c.id,
        c.name,
        c.type,
        c.grantTypes.join(','),
        c.scopes.join(' '),
        introspectionWords(c),
        c.revokedAt ? 'revoked' : 'active',
      ]),
    ),
  );
  return 0;
}

async function rotateSecret(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { grace: { type: 'string' } });
  const clientId = onePositional(positionals, 'client id');
  const grace = optionalInteger(values.grace, '--grace') ?? 0;
  const issued = await withServices(ctx, (services) =>
    services.clients.rotateSecret(clientId, grace, cliActor),
  );
  const output = { client_id: clientId, client_secret: issued.secret, old_secret_valid_for_seconds: grace };
  print(ctx, values.json === true, output, () => JSON.stringify(output, null, 2));
  return 0;
}

async function revoke(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  const clientId = onePositional(positionals, 'client id');
  const client = await withServices(ctx, (services) => services.clients.revoke(clientId, cliActor));
  print(ctx, values.json === true, clientJson(client), () => `client ${client.id} revoked`);
  return 0;
}

/** `client delete`: the client goes with its sessions, refresh tokens, codes and consents. */
async function remove(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  const clientId = onePositional(positionals, 'client id');
  const client = await withServices(ctx, (services) => services.clients.delete(clientId, cliActor));
  print(ctx, values.json === true, clientJson(client), () => `client ${client.id} deleted`);
  return 0;
}
