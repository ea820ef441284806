import { ConfigError } from '../config/config-error.js';
import type { Parser } from '../config/parsers.js';

/**
 * The request budgets Tessera enforces, per minute, and whom each is counted for (SPEC "Rate limits").
 * `TESSERA_RATE_LIMITS` overrides any of them by name.
 */
export const defaultLimits = {
  /** GET /oauth/authorize, per client IP (SPEC). */
  authorize: 100,
  /** POST /oauth/token, per client (SPEC); a client's tier or own limit replaces it. */
  token: 50,
  /** POST /oauth/revoke, per client (SPEC). */
  revoke: 50,
  /** POST /oauth/introspect, per client: resource servers introspect on every API call. */
  introspect: 1000,
  /** /oauth/userinfo, per access token (SPEC). */
  userinfo: 500,
  /** GET /me, per access token. */
  me: 500,
  /** userinfo and /me for a service account's token: automation calls more often than people. */
  service_account: 5000,
  /** POST /login (and /oidc-login), per client IP, whatever the outcome. */
  login: 60,
  /** GET /token and POST /logout, per client IP. */
  session: 300,
  /** Sign-in, consent and logout pages, per client IP. */
  pages: 300,
  /** The admin and self-service APIs, per access token (a service account's: service_account), else per address. */
  api: 600,
  /** Failed password sign-ins for one username from one address before the backoff starts. */
  login_failures: 5,
  /** Failed password sign-ins from one address in 15 minutes, whatever the username (spraying). */
  ip_failures: 100,
} as const;

export type LimitName = keyof typeof defaultLimits;
export type Limits = { readonly [N in LimitName]: number };

/** A client's tier: its per-minute budget on the token, revocation and introspection endpoints. */
export type TierLimit = number | 'unlimited';

/** WorkFlux's plans; `TESSERA_RATE_LIMIT_TIERS` adds tiers or changes these. */
export const defaultTiers: Readonly<Record<string, TierLimit>> = {
  starter: 50,
  professional: 1000,
  unlimited: 'unlimited',
};

const maxPerMinute = 10_000_000;

/** `name=N,…` over the defaults; an unknown name is an error, so a typo cannot pass unnoticed. */
export const limitOverrides: Parser<Limits> = (raw, { setting }) => {
  const limits: Record<string, number> = { ...defaultLimits };
  for (const [name, value] of pairs(raw, setting)) {
    if (!(name in defaultLimits)) {
      throw new ConfigError(setting, `'${name}' is not a limit (${Object.keys(defaultLimits).join(', ')})`);
    }
    limits[name] = count(value, setting, name);
  }
  return Object.freeze(limits) as Limits;
};

/** `name=N|unlimited,…` over the default tiers. */
export const tierList: Parser<Readonly<Record<string, TierLimit>>> = (raw, { setting }) => {
  const tiers: Record<string, TierLimit> = { ...defaultTiers };
  for (const [name, value] of pairs(raw, setting)) {
    if (!/^[a-z][a-z0-9_-]{0,39}$/.test(name)) {
      throw new ConfigError(setting, `'${name}' is not a tier name (lower-case letters, digits, - and _)`);
    }
    tiers[name] = value === 'unlimited' ? 'unlimited' : count(value, setting, name);
  }
  return Object.freeze(tiers);
};

function pairs(raw: string, setting: string): Array<[string, string]> {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const match = /^([a-z0-9_-]+)\s*=\s*(\S+)$/.exec(part);
      if (match === null) throw new ConfigError(setting, `'${part}' is not name=value`);
      return [match[1] as string, match[2] as string];
    });
}

function count(value: string, setting: string, name: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > maxPerMinute) {
    throw new ConfigError(setting, `${name}: '${value}' is not a whole number from 1 to ${maxPerMinute}`);
  }
  return Number(value);
}
