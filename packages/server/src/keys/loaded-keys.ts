import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type { KeyEncryption } from './key-encryption.js';
import type { KeyUse, PublicJwk, SigningAlgorithm, StoredSigningKey } from './signing-key.js';
import { reloadingOnUnknownKid } from './unknown-kid-reload.js';

export interface ActiveKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: KeyObject;
}

/** A key that signs now or will: until `until` (epoch ms; null while no successor is scheduled). */
interface SigningCandidate {
  readonly key: ActiveKey;
  readonly until: number | null;
}

/** The in-memory view of the stored keys that signing and verification read synchronously. */
export interface LoadedKeys {
  /** Per slot, oldest first: the first one whose `until` has not passed signs. */
  readonly signers: Map<string, SigningCandidate[]>;
  readonly published: PublicJwk[];
  /** Per use: these keys, reloading on an unknown `kid`. */
  readonly verifiers: Map<KeyUse, JWTVerifyGetKey>;
  /** Per use: these keys alone. */
  readonly local: Map<KeyUse, JWTVerifyGetKey>;
}

export const noKeys: LoadedKeys = {
  signers: new Map(),
  published: [],
  verifiers: new Map(),
  local: new Map(),
};

const slot = (use: KeyUse, alg: SigningAlgorithm) => `${use}/${alg}`;

/**
 * Decrypts and orders the stored keys as of `now`. `afterUnknownKid` reloads (with its cooldown)
 * and answers the resolver of the keys loaded then.
 */
export function loadKeys(
  keys: readonly StoredSigningKey[],
  encryption: KeyEncryption,
  now: number,
  afterUnknownKid: (use: KeyUse) => Promise<JWTVerifyGetKey | undefined>,
): LoadedKeys {
  const signers = new Map<string, SigningCandidate[]>();
  // A retiring key signs until its retiredAt, then its successor (no retiredAt yet) takes over:
  // so the soonest to retire comes first, then the oldest, then by kid (one order on every server).
  const retires = (k: StoredSigningKey) => k.retiredAt?.getTime() ?? Number.POSITIVE_INFINITY;
  for (const key of keys
    .filter((k) => retires(k) > now)
    .sort(
      (a, b) =>
        retires(a) - retires(b) ||
        a.createdAt.getTime() - b.createdAt.getTime() ||
        a.kid.localeCompare(b.kid),
    )) {
    const der = encryption.decrypt(key.encryptedPrivateKey, key.kid);
    const candidates = signers.get(slot(key.use, key.alg)) ?? [];
    candidates.push({
      key: {
        kid: key.kid,
        alg: key.alg,
        privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
      },
      until: key.retiredAt?.getTime() ?? null,
    });
    signers.set(slot(key.use, key.alg), candidates);
  }
  const publishedKeys = keys.filter(
    (k) => k.status === 'active' || (k.retainUntil !== null && k.retainUntil.getTime() > now),
  );
  const verifiers = new Map<KeyUse, JWTVerifyGetKey>();
  const local = new Map<KeyUse, JWTVerifyGetKey>();
  for (const use of ['access', 'id'] as const) {
    const loaded = createLocalJWKSet({
      keys: publishedKeys.filter((k) => k.use === use).map((k) => k.publicJwk),
    });
    local.set(use, loaded);
    verifiers.set(
      use,
      reloadingOnUnknownKid(loaded, async () => (await afterUnknownKid(use)) ?? loaded),
    );
  }
  return { signers, published: publishedKeys.map((k) => k.publicJwk), verifiers, local };
}

/** The key that signs tokens of this use and algorithm at `now`. */
export function signerAt(
  loaded: LoadedKeys,
  use: KeyUse,
  alg: SigningAlgorithm,
  now: number,
): ActiveKey | undefined {
  return loaded.signers
    .get(slot(use, alg))
    ?.find((candidate) => candidate.until === null || candidate.until > now)?.key;
}
