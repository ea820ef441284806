import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Actor } from '../audit/actor.js';
import type { AuditStore } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import type { InvalidationPublisher } from '../platform/invalidation/invalidation-bus.js';
import type { RunInTransaction } from '../platform/transaction.js';
import type { KeyEncryption } from './key-encryption.js';
import { type GeneratedKey, generateSigningKey } from './key-generation.js';
import { type ActiveKey, type LoadedKeys, loadKeys, noKeys, signerAt } from './loaded-keys.js';
import type {
  KeyUse,
  PublicJwk,
  SigningAlgorithm,
  SigningKeyStore,
  StoredSigningKey,
} from './signing-key.js';
import { UnknownKidReload } from './unknown-kid-reload.js';

export type { ActiveKey } from './loaded-keys.js';

export interface RequiredKey {
  readonly use: KeyUse;
  readonly alg: SigningAlgorithm;
}

/**
 * How long @tessera/verify (jose's remote JWKS) waits between two JWKS fetches caused by an
 * unknown `kid`. A key must have been published at least this long before it signs, or a verifier
 * that fetched the JWKS just before the rotation refuses its tokens until the cooldown ends.
 */
export const verifierJwksCooldownSeconds = 30;

/** How long an HTTP cache may keep the JWKS (max-age plus stale-while-revalidate; http/oauth/jwks.ts). */
export const jwksCache = { maxAgeSeconds: 300, staleSeconds: 60 } as const;

/**
 * From publishing a key to a verifier seeing it, at worst: a shared cache serves the old JWKS for
 * its whole lifetime, then the verifier's refetch cooldown runs out.
 */
const publicationDelaySeconds =
  verifierJwksCooldownSeconds + jwksCache.maxAgeSeconds + jwksCache.staleSeconds;

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
  /**
   * Seconds between key reloads in running servers (TESSERA_KEY_REFRESH_INTERVAL): within it a
   * key rotated by the CLI is in every server's JWKS. Default 60.
   */
  readonly reloadIntervalSeconds?: number;
  /** The longest reload interval the running servers recorded (instance settings). */
  readonly recordedReloadInterval?: () => Promise<number | undefined>;
  /** Defaults to fresh key generation; tests hand pre-generated keys, as RSA-2048 takes a while. */
  readonly keyGenerator?: SigningKeyGenerator;
  /** Tells the other instances (and the CLI's servers) that the keys changed. */
  readonly invalidations?: InvalidationPublisher;
}

/**
 * Signing-key lifecycle: generation on first start, rotation, and the in-memory view (signing
 * private keys, the published JWKS) that token issuance and verification read synchronously.
 *
 * A rotation publishes before it signs (issue 13): the new key is in the JWKS at once, but the
 * old one keeps signing for `activationDelaySeconds` (its `retiredAt` is set that far ahead): the
 * JWKS's HTTP cache lifetime, the verifier's JWKS cooldown and the servers' reload interval. By
 * the time a token names the new `kid`, every server publishes it and every verifier, even one
 * behind a shared cache, may refetch the JWKS, so none refuses it.
 */
export class KeyManager {
  readonly #deps: KeyManagerDeps;
  #loaded: LoadedKeys = noKeys;
  #timer: NodeJS.Timeout | undefined;
  /** The latest reload; the next starts after it, so an older read never replaces a newer one. */
  #reloading: Promise<void> = Promise.resolve();
  readonly #unknownKid: UnknownKidReload;

  constructor(deps: KeyManagerDeps) {
    this.#deps = deps;
    this.#unknownKid = new UnknownKidReload(() => this.reload(), deps.clock);
  }

  /** Generates any missing active key, then loads them all. */
  async ensureKeys(): Promise<void> {
    const { transaction, required } = this.#deps;
    let inserted = false;
    await transaction(async ({ signingKeys }) => {
      const existing = await signingKeys.list();
      for (const need of required) {
        const has = existing.some((k) => k.status === 'active' && k.use === need.use && k.alg === need.alg);
        if (!has) {
          await signingKeys.insert(await this.#newKey(need));
          inserted = true;
        }
      }
    });
    await this.reload();
    if (inserted) await this.#deps.invalidations?.publish('key');
  }

  /** Seconds from a rotation until its new keys sign: published first, so no verifier is surprised. */
  get activationDelaySeconds(): number {
    return publicationDelaySeconds + (this.#deps.reloadIntervalSeconds ?? 60);
  }

  /**
   * The delay a rotation uses: as activationDelaySeconds, but with the longest reload interval any
   * server has recorded (the CLI that rotates does not run with the servers' settings).
   */
  async #rotationDelaySeconds(): Promise<number> {
    const recorded = (await this.#deps.recordedReloadInterval?.()) ?? 0;
    return Math.max(this.activationDelaySeconds, publicationDelaySeconds + recorded);
  }

  /**
   * Makes a new key for every (use, algorithm): published now, signing after
   * `activationDelaySeconds`, when the old one retires. Old public keys stay published until every
   * token they signed has expired.
   */
  async rotate(by: Actor): Promise<StoredSigningKey[]> {
    const { transaction, clock, audit, maxTokenLifetime } = this.#deps;
    const now = clock.now();
    const delay = await this.#rotationDelaySeconds();
    const handover = new Date(now.getTime() + delay * 1000);
    // A server that has not reloaded yet still signs with the old key until it does: keep it
    // published that much longer than the tokens it signed before the handover.
    const lateSigning = delay - publicationDelaySeconds;
    const created: StoredSigningKey[] = [];
    // Read before the transaction: on SQLite a query outside it would wait for it forever.
    const lifetimes = { access: await maxTokenLifetime('access'), id: await maxTokenLifetime('id') };
    await transaction(async ({ signingKeys, audit: auditStore }) => {
      for (const old of (await signingKeys.list()).filter((k) => k.status === 'active')) {
        const fresh = await this.#newKey(old);
        await signingKeys.insert(fresh);
        // The old key signs until the handover, so its tokens live until handover + lifetime.
        await signingKeys.retire(
          old.kid,
          handover,
          new Date(handover.getTime() + (lifetimes[old.use] + lateSigning) * 1000),
        );
        created.push(fresh);
        await audit.record(
          {
            type: 'key.rotated',
            ...by,
            subject: `key:${old.kid}`,
            details: { new_kid: fresh.kid, alg: old.alg, use: old.use, signs_from: handover.toISOString() },
          },
          auditStore,
        );
      }
    });
    await this.reload();
    await this.#deps.invalidations?.publish('key');
    return created;
  }

  list(): Promise<StoredSigningKey[]> {
    return this.#deps.store.list();
  }

  /**
   * Re-reads keys from storage: how a rotation done elsewhere (the CLI, another instance) reaches
   * this process, on its invalidation message, on an unknown `kid`, or on the periodic reload.
   */
  reload(): Promise<void> {
    const next = this.#reloading.then(() => this.#load());
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  async #load(): Promise<void> {
    const keys = await this.#deps.store.list();
    this.#loaded = loadKeys(keys, this.#deps.encryption, this.#deps.clock.now().getTime(), async (use) => {
      await this.#unknownKid.request();
      return this.#loaded.local.get(use);
    });
  }

  /** The key that signs new tokens of this use and algorithm now (chosen by the clock, not at reload). */
  signingKey(use: KeyUse, alg: SigningAlgorithm): ActiveKey {
    const key = signerAt(this.#loaded, use, alg, this.#deps.clock.now().getTime());
    if (key === undefined)
      throw new Error(`no active ${alg} key for ${use} tokens; run \`tessera keys rotate\``);
    return key;
  }

  /** Public keys for GET /oauth/jwks: the active ones (the next ones included) and retired ones whose tokens may still be live. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.#loaded.published };
  }

  /**
   * jose key resolver limited to keys of one use, so an ID token can never pass as an access token.
   * An unknown `kid` reloads the keys (at most once per cooldown) before the token is refused.
   */
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
