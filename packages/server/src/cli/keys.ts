import { keyRotationJson, signingKeyJson } from '../presenters/signing-key.js';
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
    print(ctx, json, keys.map(signingKeyJson), () =>
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
    const rotation = keyRotationJson(created, delay);
    print(ctx, json, rotation, () =>
      [
        ...created.map((k) => `new ${k.alg} ${k.use} key ${k.kid} is published`),
        `The new keys sign from ${rotation.signs_from} (in ${delay} s); the old ones sign until then.`,
        'Publishing first gives running servers (TESSERA_KEY_REFRESH_INTERVAL) and APIs that cache the',
        'JWKS (30 s refetch cooldown) time to learn the new keys before any token uses them.',
        'Old public keys stay in the JWKS until every token they signed has expired.',
      ].join('\n'),
    );
    return 0;
  }
  throw new UsageError(`unknown keys command '${action ?? ''}'\n${keysUsage}`);
}
