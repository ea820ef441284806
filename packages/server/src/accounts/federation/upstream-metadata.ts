import { createLocalJWKSet, type JSONWebKeySet, type JWTHeaderParameters } from 'jose';
import type { Clock } from '../../platform/clock.js';
import { discoveryUrl, isAllowedUpstreamUrl } from './upstream-url.js';

/** The parts of an upstream's discovery document Tessera uses. */
export interface UpstreamMetadata {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  readonly tokenEndpointAuthMethods: readonly string[];
}

/** The provider could not be reached, or answered garbage: a sign-in cannot be checked now. */
export class UpstreamUnavailable extends Error {
  override readonly name = 'UpstreamUnavailable';
}

/** The provider answered, but not as the configuration expects (another issuer, an http endpoint). */
export class UpstreamMisconfigured extends Error {
  override readonly name = 'UpstreamMisconfigured';
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface UpstreamMetadataOptions {
  readonly clock: Clock;
  readonly fetch?: Fetch;
  /** Each request to an upstream gives up after this. */
  readonly timeoutMs?: number;
  /** A key set is refetched for an unknown `kid` at most this often (STYLE C19). */
  readonly cooldownMs?: number;
  /** Discovery documents and key sets are refreshed when older than these, even without a miss. */
  readonly discoveryMaxAgeMs?: number;
  readonly keysMaxAgeMs?: number;
}

type KeyResolver = ReturnType<typeof createLocalJWKSet>;
interface KeySet {
  readonly resolve: KeyResolver;
  readonly fetchedAt: number;
}
interface Cached<T> {
  readonly value: T;
  readonly fetchedAt: number;
}

const maxDocumentBytes = 512 * 1024;

/**
 * Each upstream issuer's discovery document and signing keys, cached per process. An id_token
 * whose `kid` is unknown refetches the key set (the provider rotated its keys), at most once per
 * cooldown, so a flood of forged kids cannot turn into a flood of requests to the provider.
 * Times come from the injected clock; concurrent misses share one request.
 */
export class UpstreamMetadataCache {
  readonly #clock: Clock;
  readonly #fetch: Fetch;
  readonly #timeoutMs: number;
  readonly #cooldownMs: number;
  readonly #discoveryMaxAgeMs: number;
  readonly #keysMaxAgeMs: number;
  readonly #documents = new Map<string, Cached<UpstreamMetadata>>();
  readonly #keys = new Map<string, KeySet>();
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(options: UpstreamMetadataOptions) {
    this.#clock = options.clock;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#discoveryMaxAgeMs = options.discoveryMaxAgeMs ?? 3_600_000;
    this.#keysMaxAgeMs = options.keysMaxAgeMs ?? 600_000;
  }

  /** The issuer's discovery document, checked: the same issuer, endpoints over https (or loopback). */
  async metadata(issuer: string): Promise<UpstreamMetadata> {
    const cached = this.#documents.get(issuer);
    if (cached !== undefined && this.#age(cached.fetchedAt) < this.#discoveryMaxAgeMs) return cached.value;
    return this.#once(`discovery ${issuer}`, async () => {
      const value = parseMetadata(await this.#getJson(discoveryUrl(issuer), 'discovery document'), issuer);
      this.#documents.set(issuer, { value, fetchedAt: this.#now() });
      return value;
    });
  }

  /** The key of the issuer that `header` names; an unknown kid refetches the key set past the cooldown. */
  async key(issuer: string, header: JWTHeaderParameters): Promise<Awaited<ReturnType<KeyResolver>>> {
    let keys = this.#keys.get(issuer);
    if (keys === undefined || this.#age(keys.fetchedAt) >= this.#keysMaxAgeMs)
      keys = await this.#loadKeys(issuer);
    try {
      return await keys.resolve(header);
    } catch (error) {
      const noMatch = (error as { code?: unknown }).code === 'ERR_JWKS_NO_MATCHING_KEY';
      if (!noMatch || this.#age(keys.fetchedAt) < this.#cooldownMs) throw error;
      return (await this.#loadKeys(issuer)).resolve(header);
    }
  }

  /** Forgets an issuer (its provider was changed or removed). */
  forget(issuer: string): void {
    this.#documents.delete(issuer);
    this.#keys.delete(issuer);
  }

  #loadKeys(issuer: string): Promise<KeySet> {
    return this.#once(`keys ${issuer}`, async () => {
      const { jwksUri } = await this.metadata(issuer);
      const body = await this.#getJson(jwksUri, 'key set');
      if (!Array.isArray((body as { keys?: unknown }).keys))
        throw new UpstreamUnavailable('the provider answered a key set without keys');
      const set: KeySet = { resolve: createLocalJWKSet(body as JSONWebKeySet), fetchedAt: this.#now() };
      this.#keys.set(issuer, set);
      return set;
    });
  }

  async #getJson(url: string, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await this.#fetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new UpstreamUnavailable(`the provider's ${what} could not be fetched`, { cause: error });
    }
    if (!response.ok)
      throw new UpstreamUnavailable(`the provider's ${what} answered HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > maxDocumentBytes) throw new UpstreamUnavailable(`the provider's ${what} is too large`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UpstreamUnavailable(`the provider's ${what} is not JSON`);
    }
  }

  /** Runs `work` once for concurrent callers of the same key. */
  #once<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running !== undefined) return running as Promise<T>;
    const started = work().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, started);
    return started;
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  #age(fetchedAt: number): number {
    return this.#now() - fetchedAt;
  }
}

function parseMetadata(body: unknown, issuer: string): UpstreamMetadata {
  const doc = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  // OIDC Discovery §4.3: the document's issuer is exactly the one configured.
  if (doc.issuer !== issuer)
    throw new UpstreamMisconfigured(
      `the provider's discovery document names another issuer than the configured '${issuer}'`,
    );
  const endpoint = (name: string): string => {
    const value = doc[name];
    if (typeof value !== 'string' || !isAllowedUpstreamUrl(value))
      throw new UpstreamMisconfigured(`the provider's ${name} is missing or not https`);
    return value;
  };
  const methods = doc.token_endpoint_auth_methods_supported;
  return {
    issuer,
    authorizationEndpoint: endpoint('authorization_endpoint'),
    tokenEndpoint: endpoint('token_endpoint'),
    jwksUri: endpoint('jwks_uri'),
    tokenEndpointAuthMethods: Array.isArray(methods)
      ? methods.filter((m): m is string => typeof m === 'string')
      : ['client_secret_basic'],
  };
}
