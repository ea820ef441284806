import { generateKeyPairSync } from 'node:crypto';
import { CompactSign, compactVerify, createLocalJWKSet, exportJWK, type JWTVerifyGetKey } from 'jose';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import { reloadingOnUnknownKid, UnknownKidReload, unknownKidCooldownSeconds } from './unknown-kid-reload.js';

describe('reload on an unknown kid', () => {
  it('reloads at most once per cooldown; requests meanwhile share the last reload', async () => {
    const clock = new ManualClock(0);
    let reloads = 0;
    let finish: () => void = () => undefined;
    const reload = new UnknownKidReload(
      () =>
        new Promise<void>((resolve) => {
          reloads += 1;
          finish = resolve;
        }),
      clock,
    );
    const first = reload.request();
    const second = reload.request();
    expect(reloads).toBe(1);
    finish();
    await Promise.all([first, second]);

    clock.advance(unknownKidCooldownSeconds - 1);
    await reload.request();
    expect(reloads).toBe(1);
    clock.advance(1);
    const third = reload.request();
    expect(reloads).toBe(2);
    finish();
    await third;
  });

  it('a failed reload is not thrown at the token being verified', async () => {
    const reload = new UnknownKidReload(() => Promise.reject(new Error('database down')), new ManualClock(0));
    await expect(reload.request()).resolves.toBeUndefined();
  });

  it('a token under a key loaded by the reload verifies; an unknown kid still fails after it', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'new', alg: 'ES256' };
    const sign = (kid: string) =>
      new CompactSign(new TextEncoder().encode('{}'))
        .setProtectedHeader({ alg: 'ES256', kid })
        .sign(privateKey);
    const before = createLocalJWKSet({ keys: [] });
    const after = createLocalJWKSet({ keys: [jwk] });
    let reloads = 0;
    const keys: JWTVerifyGetKey = reloadingOnUnknownKid(before, async () => {
      reloads += 1;
      return after;
    });

    await expect(compactVerify(await sign('new'), keys)).resolves.toBeDefined();
    await expect(compactVerify(await sign('made-up'), keys)).rejects.toThrow();
    expect(reloads).toBe(2);
  });
});
