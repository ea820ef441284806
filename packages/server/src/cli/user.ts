import type { Readable } from 'node:stream';
import type { User } from '../accounts/user.js';
import { InvalidInputError } from '../platform/errors.js';
import { userJson } from '../presenters/user.js';
import type { Services } from '../services.js';
import { cliActor, onePositional, parse } from './args.js';
import { type CliContext, print, table, UsageError, withServices } from './context.js';

export const userUsage = `tessera user create --username U --email E [--name "First Last"] [--admin] [--group G]…
                    [--permission P]… [--password-stdin]
tessera user list
tessera user update U [--email E] [--name "First Last"] [--group G]… [--permission P]…
                    [--attribute KEY=VALUE]…
tessera user set-password U --password-stdin   (e.g. a lost admin password; ends U's sessions)
tessera user disable U | enable U | delete U`;

export async function userCommand(ctx: CliContext, args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case 'create':
      return create(ctx, rest);
    case 'list':
      return list(ctx, rest);
    case 'update':
      return update(ctx, rest);
    case 'set-password':
      return setPassword(ctx, rest);
    case 'disable':
    case 'enable':
    case 'delete':
      return change(ctx, action, rest);
    default:
      throw new UsageError(`unknown user command '${action ?? ''}'\n${userUsage}`);
  }
}

async function create(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    username: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    admin: { type: 'boolean' },
    group: { type: 'string', multiple: true },
    permission: { type: 'string', multiple: true },
    'password-stdin': { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.username === undefined) throw new UsageError('--username is required');
  if (values.email === undefined) throw new UsageError('--email is required');
  // Read before opening the database, so a slow pipe holds no connection.
  const password = values['password-stdin'] === true ? await readPassword(ctx.stdin) : undefined;
  const { user, generatedPassword } = await withServices(ctx, (services) =>
    services.users.create(
      {
        username: values.username as string,
        email: values.email,
        name: values.name,
        isAdmin: values.admin,
        groups: values.group,
        permissions: values.permission,
        password,
      },
      cliActor,
    ),
  );
  const output = {
    ...userJson(user),
    ...(generatedPassword === undefined ? {} : { password: generatedPassword }),
  };
  print(ctx, values.json === true, output, () =>
    [
      `user ${user.username} created (id ${user.id})`,
      ...(generatedPassword === undefined ? [] : [`password: ${generatedPassword}`]),
    ].join('\n'),
  );
  if (generatedPassword !== undefined && values.json !== true) {
    ctx.stderr.write('Store the password now: it is shown once and only its hash is kept.\n');
  }
  return 0;
}

async function list(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const users = await withServices(ctx, (services) => services.users.list('user'));
  print(ctx, values.json === true, users.map(userJson), () =>
    table(
      ['USERNAME', 'EMAIL', 'NAME', 'ADMIN', 'STATUS', 'GROUPS', 'PERMISSIONS'],
      users.map((u) => [
        u.username,
        u.email ?? '',
        `${u.firstName} ${u.lastName}`.trim(),
        u.isAdmin ? 'yes' : 'no',
        u.disabled ? 'disabled' : 'active',
        u.groups.join(','),
        u.permissions.join(','),
      ]),
    ),
  );
  return 0;
}

async function update(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    email: { type: 'string' },
    name: { type: 'string' },
    group: { type: 'string', multiple: true },
    permission: { type: 'string', multiple: true },
    attribute: { type: 'string', multiple: true },
  });
  const username = onePositional(positionals, 'username');
  const { email, name, group: groups, permission: permissions } = values;
  const attributes = values.attribute === undefined ? undefined : parseAttributes(values.attribute);
  if ([email, name, groups, permissions, attributes].every((v) => v === undefined)) {
    throw new UsageError('nothing to change: give --email, --name, --group, --permission or --attribute');
  }
  const user = await withServices(ctx, async (services) => {
    await person(services, username);
    return services.users.update(username, { email, name, groups, permissions, attributes }, cliActor);
  });
  print(ctx, values.json === true, userJson(user), () => `user ${user.username} updated`);
  return 0;
}

async function setPassword(ctx: CliContext, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { 'password-stdin': { type: 'boolean' } });
  const username = onePositional(positionals, 'username');
  // A password on the command line would stay in the shell's history and in `ps`.
  if (values['password-stdin'] !== true)
    throw new UsageError('give the password on stdin with --password-stdin');
  // On a terminal the typed password would be echoed and the command wait for Ctrl-D unseen.
  if ((ctx.stdin as { isTTY?: boolean }).isTTY === true)
    throw new UsageError(
      'pipe the password in, e.g. printf \'%s\' "$PASSWORD" | npm run tessera -- user set-password U --password-stdin',
    );
  const password = await readPassword(ctx.stdin);
  const user = await withServices(ctx, async (services) => {
    await person(services, username);
    return services.users.setPassword(username, password, cliActor);
  });
  print(
    ctx,
    values.json === true,
    userJson(user),
    () => `password of ${user.username} set; their sessions ended`,
  );
  return 0;
}

async function change(
  ctx: CliContext,
  action: 'disable' | 'enable' | 'delete',
  args: readonly string[],
): Promise<number> {
  const { values, positionals } = parse(args, {});
  const username = onePositional(positionals, 'username');
  const user = await withServices(ctx, async (services) => {
    await person(services, username);
    return action === 'delete'
      ? services.users.delete(username, cliActor)
      : services.users.setDisabled(username, action === 'disable', cliActor);
  });
  print(ctx, values.json === true, userJson(user), () => `user ${user.username} ${action}d`);
  return 0;
}

/** `user …` commands act on people; service accounts have their own commands. */
async function person(services: Services, username: string): Promise<User> {
  const user = await services.users.get(username);
  if (user.kind !== 'user') {
    throw new InvalidInputError(
      `'${username}' is a service account; use \`npm run tessera -- service-account\``,
    );
  }
  return user;
}

/** KEY=VALUE pairs; a VALUE that parses as JSON is taken as that JSON value (`null` removes the key). */
export function parseAttributes(pairs: readonly string[]): Record<string, unknown> {
  const entries = new Map<string, unknown>();
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--attribute takes KEY=VALUE, not '${pair}'`);
    entries.set(pair.slice(0, equals), jsonOrString(pair.slice(equals + 1)));
  }
  // fromEntries defines own properties, so a key like __proto__ reaches validation instead of vanishing.
  return Object.fromEntries(entries);
}

function jsonOrString(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The whole of stdin, less one trailing newline (what `echo` or a heredoc adds). */
async function readPassword(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
