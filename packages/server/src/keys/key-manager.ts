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
}

/** A key that signs now or will: until `until` (epoch ms; null while no successor is scheduled). */
interface SigningCandidate {
  readonly key: ActiveKey;
  readonly until: number | null;
}

interface LoadedKeys {
  /** Per slot, oldest first: the first one whose `until` has not passed signs. */
  readonly signers: Map<string, SigningCandidate[]>;
  readonly published: PublicJwk[];
  readonly verifiers: Map<KeyUse, JWTVerifyGetKey>;
}

const slot = (use: KeyUse, alg: SigningAlgorithm) => `${use}/${alg}`;

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
  #loaded: LoadedKeys = { signers: new Map(), published: [], verifiers: new Map() };
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
    for (const use of ['access', 'id'] as const) {
      verifiers.set(
        use,
        createLocalJWKSet({ keys: publishedKeys.filter((k) => k.use === use).map((k) => k.publicJwk) }),
      );
    }
    this.#loaded = { signers, published: publishedKeys.map((k) => k.publicJwk), verifiers };
  }

  /** The key that signs new tokens of this use and algorithm now (chosen by the clock, not at reload). */
  signingKey(use: KeyUse, alg: SigningAlgorithm): ActiveKey {
    const now = this.#deps.clock.now().getTime();
    const key = this.#loaded.signers
      .get(slot(use, alg))
      ?.find((candidate) => candidate.until === null || candidate.until > now)?.key;
    if (key === undefined)
      throw new Error(`no active ${alg} key for ${use} tokens; run \`tessera keys rotate\``);
    return key;
  }

  /** Public keys for GET /oauth/jwks: the active ones (the next ones included) and retired ones whose tokens may still be live. */
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
