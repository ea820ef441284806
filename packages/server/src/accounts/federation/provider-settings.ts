import { InvalidInputError } from '../../platform/errors.js';
import { hasControlCharacter } from '../user-validation.js';
import type { UsernameClaim } from './identity-provider.js';
import { isAllowedUpstreamUrl } from './upstream-url.js';

/** A provider's settings as the CLI and the admin API give them. */
export interface ProviderSettings {
  readonly name?: string;
  readonly clientSecret?: string | null;
  readonly scopes?: readonly string[];
  readonly usernameClaim?: string;
  readonly groupsClaim?: string | null;
  readonly groupMap?: Readonly<Record<string, string>>;
  readonly allowedDomains?: readonly string[];
  readonly provisioning?: boolean;
  readonly linkByEmail?: boolean;
}

export interface NewProviderSettings extends ProviderSettings {
  readonly issuer: string;
  readonly clientId: string;
}

/** The scopes asked for when none are configured: who the person is, and their email. */
export const defaultScopes: readonly string[] = ['openid', 'email', 'profile'];

const usernameClaims: readonly UsernameClaim[] = ['email', 'preferred_username'];
const claimPattern = /^[A-Za-z0-9_:./-]{1,200}$/;
const scopePattern = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
const domainPattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

/** Input rules for upstream providers; each failure says which setting and why. */
export function validIssuer(issuer: string): string {
  if (!isAllowedUpstreamUrl(issuer) || issuer.length > 500 || /[?#]/.test(issuer))
    throw new InvalidInputError(
      `the issuer must be an https URL without query or fragment (http only on 127.0.0.1 or localhost), got '${issuer}'`,
    );
  return issuer;
}

export function validClientId(clientId: string): string {
  if (clientId === '' || clientId.length > 500 || hasControlCharacter(clientId))
    throw new InvalidInputError('the client id must be 1 to 500 printable characters');
  return clientId;
}

export function validClientSecret(secret: string | null | undefined): string | null {
  if (secret === undefined || secret === null || secret === '') return null;
  if (secret.length > 1000 || hasControlCharacter(secret))
    throw new InvalidInputError('the client secret must be at most 1000 printable characters on one line');
  return secret;
}

export function validName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 100 || hasControlCharacter(trimmed))
    throw new InvalidInputError('a provider name is 1 to 100 characters on one line');
  return trimmed;
}

export function validScopes(scopes: readonly string[]): string[] {
  for (const scope of scopes)
    if (!scopePattern.test(scope)) throw new InvalidInputError(`'${scope}' is not a valid scope`);
  return [...new Set(['openid', ...scopes])];
}

export function validUsernameClaim(claim: string): UsernameClaim {
  if (!usernameClaims.includes(claim as UsernameClaim))
    throw new InvalidInputError(`the username claim is one of ${usernameClaims.join(', ')}`);
  return claim as UsernameClaim;
}

export function validGroupsClaim(claim: string | null | undefined): string | null {
  if (claim === undefined || claim === null || claim === '') return null;
  if (!claimPattern.test(claim)) throw new InvalidInputError(`'${claim}' is not a valid claim name`);
  return claim;
}

export function validGroupMap(map: Readonly<Record<string, string>>): Record<string, string> {
  const entries = Object.entries(map);
  if (entries.length > 500) throw new InvalidInputError('a group map has at most 500 entries');
  for (const [from, to] of entries) {
    for (const name of [from, to])
      if (name.trim() === '' || name.length > 200 || hasControlCharacter(name))
        throw new InvalidInputError(`'${name}' is not a valid group name in the group map`);
  }
  return Object.fromEntries(entries);
}

export function validDomains(domains: readonly string[]): string[] {
  const lower = domains.map((d) => d.trim().toLowerCase());
  for (const domain of lower)
    if (!domainPattern.test(domain)) throw new InvalidInputError(`'${domain}' is not an email domain`);
  return [...new Set(lower)];
}
