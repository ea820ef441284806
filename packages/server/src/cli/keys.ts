import type { StoredSigningKey } from '../keys/signing-key.js';
import { cliActor, parse } from './args.js';
import { type CliContext, print, table, UsageError, withServices } from './context.js';

export const keysUsage = `tessera keys list
tessera keys rotate`;

export async function keysCommand(ctx: CliContext, args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parse(rest, {});
  const json = values.json === true;
  if (action === 'list') {
    const keys = await withServices(ctx, (services) => services.keys.list());
    print(ctx, json, keys.map(keyJson), () =>
      table(
        ['KID', 'ALG', 'USE', 'STATUS', 'CREATED', 'PUBLISHED UNTIL'],
        keys.map((k) => [
          k.kid,
          k.alg,
          k.use,
          k.status,
          k.createdAt.toISOString(),
          k.retainUntil?.toISOString() ?? '',
        ]),
      ),
    );
    return 0;
  }
  if (action === 'rotate') {
    const created = await withServices(ctx, (services) => services.keys.rotate(cliActor));
    print(ctx, json, { rotated: created.map(keyJson) }, () =>
      [
        ...created.map((k) => `new ${k.alg} ${k.use} key ${k.kid} is active`),
        'Old public keys stay in the JWKS until every token they signed has expired.',
        'Running servers pick the new keys up within TESSERA_KEY_REFRESH_INTERVAL seconds.',
      ].join('\n'),
    );
    return 0;
  }
  throw new UsageError(`unknown keys command '${action ?? ''}'\n${keysUsage}`);
}

function keyJson(key: StoredSigningKey) {
  return {
    kid: key.kid,
    alg: key.alg,
    use: key.use,
    status: key.status,
    created_at: key.createdAt.toISOString(),
    retired_at: key.retiredAt?.toISOString() ?? null,
    published_until: key.retainUntil?.toISOString() ?? null,
  };
}
