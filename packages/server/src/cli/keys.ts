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
    const { created, delay } = await withServices(ctx, async (services) => ({
      created: await services.keys.rotate(cliActor),
      delay: services.keys.activationDelaySeconds,
    }));
    const signsFrom = new Date((created[0]?.createdAt.getTime() ?? Date.now()) + delay * 1000);
    print(ctx, json, { rotated: created.map(keyJson), signs_from: signsFrom.toISOString() }, () =>
      [
        ...created.map((k) => `new ${k.alg} ${k.use} key ${k.kid} is published`),
        `The new keys sign from ${signsFrom.toISOString()} (in ${delay} s); the old ones sign until then.`,
        'Publishing first gives running servers (TESSERA_KEY_REFRESH_INTERVAL) and APIs that cache the',
        'JWKS (30 s refetch cooldown) time to learn the new keys before any token uses them.',
        'Old public keys stay in the JWKS until every token they signed has expired.',
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
