import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type { AuditStore } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Actor } from '../clients/client-service.js';
import type { Clock } from '../platform/clock.js';
import type { RunInTransaction } from '../platform/transaction.js';
import type { KeyEncryption } from './key-encryption.js';
import { type GeneratedKey, generateSigningKey } from './key-generation.js';
import type {
  KeyUse,
  PublicJwk,
  SigningAlgorithm,
  SigningKeyStore,
  StoredSigningKey,
} from './signing-key.js';

export interface ActiveKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: KeyObject;
}

export interface RequiredKey {
  readonly use: KeyUse;
  readonly alg: SigningAlgorithm;
}

/** Makes a key pair for `alg` that the key store has never held (rotation compares kids). */
export type SigningKeyGenerator = (alg: SigningAlgorithm) => Promise<GeneratedKey>;

interface KeyManagerDeps {
  readonly store: SigningKeyStore;
  readonly transaction: RunInTransaction<{ signingKeys: SigningKeyStore; audit: AuditStore }>;
  readonly encryption: KeyEncryption;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** One active key is kept for each of these. */
  readonly required: readonly RequiredKey[];
  /** The longest a token signed for `use` can live, in seconds: how long a retired key stays published. */
  readonly maxTokenLifetime: (use: KeyUse) => Promise<number>;
  /** Defaults to fresh key generation; tests hand pre-generated keys, as RSA-2048 takes a while. */
  readonly keyGenerator?: SigningKeyGenerator;
}

interface LoadedKeys {
  readonly active: Map<string, ActiveKey>;
  readonly published: PublicJwk[];
  readonly verifiers: Map<KeyUse, JWTVerifyGetKey>;
}

const slot = (use: KeyUse, alg: SigningAlgorithm) => `${use}/${alg}`;

/**
 * Signing-key lifecycle: generation on first start, rotation, and the in-memory view (active
 * private keys, the published JWKS) that token issuance and verification read synchronously.
 */
export class KeyManager {
  readonly #deps: KeyManagerDeps;
  #loaded: LoadedKeys = { active: new Map(), published: [], verifiers: new Map() };
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: KeyManagerDeps) {
    this.#deps = deps;
  }

  /** Generates any missing active key, then loads them all. */
  async ensureKeys(): Promise<void> {
    const { transaction, required } = this.#deps;
    await transaction(async ({ signingKeys }) => {
      const existing = await signingKeys.list();
      for (const need of required) {
        const has = existing.some((k) => k.status === 'active' && k.use === need.use && k.alg === need.alg);
        if (!has) await signingKeys.insert(await this.#newKey(need));
      }
    });
    await this.reload();
  }

  /** Makes a new key active for every (use, algorithm); old public keys stay published until their tokens expire. */
  async rotate(by: Actor): Promise<StoredSigningKey[]> {
    const { transaction, clock, audit, maxTokenLifetime } = this.#deps;
    const now = clock.now();
    const created: StoredSigningKey[] = [];
    // Read before the transaction: on SQLite a query outside it would wait for it forever.
    const lifetimes = { access: await maxTokenLifetime('access'), id: await maxTokenLifetime('id') };
    await transaction(async ({ signingKeys, audit: auditStore }) => {
      for (const old of (await signingKeys.list()).filter((k) => k.status === 'active')) {
        const fresh = await this.#newKey(old);
        await signingKeys.insert(fresh);
        await signingKeys.retire(old.kid, now, new Date(now.getTime() + lifetimes[old.use] * 1000));
        created.push(fresh);
        await audit.record(
          {
            type: 'key.rotated',
            ...by,
            subject: `key:${old.kid}`,
            details: { new_kid: fresh.kid, alg: old.alg, use: old.use },
          },
          auditStore,
        );
      }
    });
    await this.reload();
    return created;
  }

  list(): Promise<StoredSigningKey[]> {
    return this.#deps.store.list();
  }

  /** Re-reads keys from storage: how a rotation done by the CLI reaches a running server. */
  async reload(): Promise<void> {
    const { store, encryption, clock } = this.#deps;
    const now = clock.now().getTime();
    const keys = await store.list();
    const active = new Map<string, ActiveKey>();
    // Newest first, so that should two active keys share a slot the newest signs.
    for (const key of keys
      .filter((k) => k.status === 'active')
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())) {
      if (active.has(slot(key.use, key.alg))) continue;
      const der = encryption.decrypt(key.encryptedPrivateKey, key.kid);
      active.set(slot(key.use, key.alg), {
        kid: key.kid,
        alg: key.alg,
        privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
      });
    }
    const publishedKeys = keys.filter(
      (k) => k.status === 'active' || (k.retainUntil !== null && k.retainUntil.getTime() > now),
    );
    const verifiers = new Map<KeyUse, JWTVerifyGetKey>();
    for (const use of ['access', 'id'] as const) {
      verifiers.set(
        use,
        createLocalJWKSet({ keys: publishedKeys.filter((k) => k.use === use).map((k) => k.publicJwk) }),
      );
    }
    this.#loaded = { active, published: publishedKeys.map((k) => k.publicJwk), verifiers };
  }

  /** The key that signs new tokens of this use and algorithm. */
  signingKey(use: KeyUse, alg: SigningAlgorithm): ActiveKey {
    const key = this.#loaded.active.get(slot(use, alg));
    if (key === undefined)
      throw new Error(`no active ${alg} key for ${use} tokens; run \`tessera keys rotate\``);
    return key;
  }

  /** Public keys for GET /oauth/jwks: the active ones and retired ones whose tokens may still be live. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.#loaded.published };
  }

  /** jose key resolver limited to keys of one use, so an ID token can never pass as an access token. */
  verificationKeys(use: KeyUse): JWTVerifyGetKey {
    return this.#loaded.verifiers.get(use) ?? createLocalJWKSet({ keys: [] });
  }

  startAutoReload(intervalSeconds: number, onError: (error: unknown) => void): void {
    this.#timer = setInterval(() => {
      this.reload()
        .then(() => this.#deps.store.deleteRetiredBefore(this.#deps.clock.now()))
        .catch(onError);
    }, intervalSeconds * 1000);
    this.#timer.unref();
  }

  stopAutoReload(): void {
    clearInterval(this.#timer);
  }

  async #newKey(need: RequiredKey): Promise<StoredSigningKey> {
    const generated = await (this.#deps.keyGenerator ?? generateSigningKey)(need.alg);
    const der = generated.privateKey.export({ format: 'der', type: 'pkcs8' });
    return {
      kid: generated.kid,
      alg: need.alg,
      use: need.use,
      publicJwk: generated.publicJwk,
      encryptedPrivateKey: this.#deps.encryption.encrypt(der, generated.kid),
      status: 'active',
      createdAt: this.#deps.clock.now(),
      retiredAt: null,
      retainUntil: null,
    };
  }
}
