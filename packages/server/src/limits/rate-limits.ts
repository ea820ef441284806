import type { Client } from '../clients/client.js';
import { ipBucket } from './ip-bucket.js';
import type { Limits, TierLimit } from './limit-settings.js';
import type { Decision, Limiters } from './limiters.js';

/** The limited route families (SPEC "Rate limits"); pages and the session API have theirs too. */
export type LimitedRoute =
  | 'authorize'
  | 'token'
  | 'revoke'
  | 'introspect'
  | 'userinfo'
  | 'me'
  | 'login'
  | 'session'
  | 'pages'
  | 'api';

/** Whom a request is counted for. */
export type Subject =
  /** The client address (already the one TESSERA_TRUST_PROXY allows). */
  | { readonly by: 'ip'; readonly ip: string }
  /**
   * The client a request claims to be, before its secret is checked, so a flood of bad secrets is
   * limited too. An id no client has is counted per address instead: made-up ids cannot each
   * open a fresh budget.
   */
  | { readonly by: 'client'; readonly client: Client | undefined; readonly ip: string }
  /** A bearer token, by a digest of its text; a service account's token has its own budget. */
  | { readonly by: 'token'; readonly digest: string; readonly serviceAccount: boolean };

/**
 * Which budget applies to a request and whom it is counted for. Budgets come from configuration
 * (TESSERA_RATE_LIMITS) and, for clients, from their own limit or tier.
 */
export class RateLimits {
  readonly #limiters: Limiters;
  readonly #limits: Limits;
  readonly #tiers: Readonly<Record<string, TierLimit>>;
  readonly #windowSeconds: number;

  constructor(
    limiters: Limiters,
    limits: Limits,
    tiers: Readonly<Record<string, TierLimit>>,
    windowSeconds: number,
  ) {
    this.#limiters = limiters;
    this.#limits = limits;
    this.#tiers = tiers;
    this.#windowSeconds = windowSeconds;
  }

  /** Counts the request; undefined when no limit applies (a client on an unlimited tier). */
  consume(route: LimitedRoute, subject: Subject): Promise<Decision> | undefined {
    const budget = this.budget(route, subject);
    if (budget === 'unlimited') return undefined;
    return this.#limiters.window(route, budget, this.#windowSeconds).consume(keyOf(subject));
  }

  /** Requests per window allowed to `subject` on `route`. */
  budget(route: LimitedRoute, subject: Subject): number | 'unlimited' {
    if (subject.by === 'client' && subject.client !== undefined) {
      const { rateLimit, rateLimitTier } = subject.client;
      if (rateLimit !== null) return rateLimit;
      // A tier no longer configured falls back to the route's default rather than to no limit.
      const tier = rateLimitTier === null ? undefined : this.#tiers[rateLimitTier];
      if (tier !== undefined) return tier;
    }
    if (subject.by === 'token' && subject.serviceAccount) return this.#limits.service_account;
    return this.#limits[route];
  }
}

function keyOf(subject: Subject): string {
  switch (subject.by) {
    case 'ip':
      return `ip:${ipBucket(subject.ip)}`;
    case 'client':
      return subject.client === undefined ? `unknown:${ipBucket(subject.ip)}` : `client:${subject.client.id}`;
    case 'token':
      return `token:${subject.digest}`;
  }
}
