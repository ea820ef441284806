import { type GeneratedKey, generateSigningKey } from '../../src/keys/key-generation.js';
import type { SigningKeyGenerator } from '../../src/keys/key-manager.js';
import type { SigningAlgorithm } from '../../src/keys/signing-key.js';

/** Keys made so far in this process, per algorithm; the n-th is handed to every server as its n-th. */
const made = new Map<SigningAlgorithm, Promise<GeneratedKey>[]>();

/**
 * A key generator for one test server. Generating an RSA-2048 key takes about 200 ms, and every
 * server needs one, so servers share keys that were made once per process: each server has a
 * database of its own, so no store ever holds the same key twice. Within one server every key is
 * new (a rotation gets keys this server never had), as with real generation.
 */
export function pooledKeyGenerator(): SigningKeyGenerator {
  const handedOut = new Map<SigningAlgorithm, number>();
  return (alg) => {
    const index = handedOut.get(alg) ?? 0;
    handedOut.set(alg, index + 1);
    const keys = made.get(alg) ?? [];
    made.set(alg, keys);
    keys[index] ??= generateSigningKey(alg);
    return keys[index];
  };
}
