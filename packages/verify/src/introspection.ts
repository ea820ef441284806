export interface IntrospectionOptions {
  /** A confidential client of Tessera's, allowed to introspect. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Seconds an "active" answer is reused; default 5. Inactive answers are never cached. */
  readonly cacheSeconds?: number;
}

const maxEntries = 10_000;

/**
 * RFC 7662 client with a short positive cache: a revoked token is refused within `cacheSeconds`
 * (at once with 0), at the cost of one introspection call per token and period.
 */
export class Introspector {
  readonly #endpoint: string;
  readonly #authorization: string;
  readonly #ttlMs: number;
  readonly #fetch: typeof fetch;
  readonly #active = new Map<string, number>();

  constructor(endpoint: string, options: IntrospectionOptions, fetchImpl: typeof fetch) {
    this.#endpoint = endpoint;
    const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
    this.#authorization = `Basic ${Buffer.from(`${encode(options.clientId)}:${encode(options.clientSecret)}`).toString('base64')}`;
    this.#ttlMs = (options.cacheSeconds ?? 5) * 1000;
    this.#fetch = fetchImpl;
  }

  async isActive(token: string): Promise<boolean> {
    const cachedUntil = this.#active.get(token);
    if (cachedUntil !== undefined && cachedUntil > Date.now()) return true;
    const response = await this.#fetch(this.#endpoint, {
      method: 'POST',
      headers: {
        authorization: this.#authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`introspection failed: ${response.status}`);
    const { active } = (await response.json()) as { active?: unknown };
    if (active === true && this.#ttlMs > 0) {
      if (this.#active.size >= maxEntries) this.#active.delete(this.#active.keys().next().value as string);
      this.#active.set(token, Date.now() + this.#ttlMs);
    }
    return active === true;
  }
}
