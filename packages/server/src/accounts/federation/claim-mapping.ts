import { hasControlCharacter, validEmail, validUsername } from '../user-validation.js';
import type { IdentityProvider } from './identity-provider.js';
import { UpstreamTokenRejected } from './upstream-rejection.js';

/** What a verified id_token says about the person, as Tessera's account fields. */
export interface UpstreamProfile {
  readonly email: string | null;
  /** The email's `email_verified`, when the provider says it (Entra ID usually does not). */
  readonly emailVerified: boolean | undefined;
  /** The username a new account would get; null when the claim is missing or unusable. */
  readonly username: string | null;
  /** Undefined when the token names nobody: the account's names are left alone. */
  readonly firstName: string | undefined;
  readonly lastName: string | undefined;
  /** Undefined when the provider has no groups claim configured: the account's groups are left alone. */
  readonly groups: readonly string[] | undefined;
}

const maxGroups = 200;

/**
 * Maps claims to account fields: email as username and email (or preferred_username, as the
 * provider says); names from given_name / family_name, else `name` split at its first space;
 * groups from the provider's groups claim through its group map. Refuses, in words, an email
 * outside the provider's allowed domains.
 */
export function profileFromClaims(
  claims: Readonly<Record<string, unknown>>,
  provider: IdentityProvider,
): UpstreamProfile {
  const email = emailOf(claims.email);
  const emailVerified = typeof claims.email_verified === 'boolean' ? claims.email_verified : undefined;
  if (provider.allowedDomains.length > 0) {
    const domain = email?.slice(email.lastIndexOf('@') + 1).toLowerCase();
    if (
      email === null ||
      emailVerified === false ||
      domain === undefined ||
      !provider.allowedDomains.includes(domain)
    )
      throw new UpstreamTokenRejected("the id_token's email domain is not allowed for this provider");
  }
  const [firstName, lastName] = namesOf(claims);
  return {
    email,
    emailVerified,
    username: usernameOf(
      provider.usernameClaim === 'email' ? email : (text(claims.preferred_username) ?? email),
    ),
    firstName,
    lastName,
    groups:
      provider.groupsClaim === null ? undefined : groupsOf(claims[provider.groupsClaim], provider.groupMap),
  };
}

function namesOf(claims: Readonly<Record<string, unknown>>): [string | undefined, string | undefined] {
  const given = text(claims.given_name);
  const family = text(claims.family_name);
  if (given !== undefined || family !== undefined) return [given ?? '', family ?? ''];
  const name = text(claims.name);
  if (name === undefined) return [undefined, undefined];
  const space = name.indexOf(' ');
  return space === -1 ? [name, ''] : [name.slice(0, space), name.slice(space + 1).trim()];
}

/** Mapped names only when the provider has a map (so a stray upstream group grants nothing here), else as sent. */
function groupsOf(value: unknown, map: Readonly<Record<string, string>>): string[] {
  const listed = (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []).filter(
    (g): g is string => typeof g === 'string',
  );
  const mapped =
    Object.keys(map).length === 0
      ? listed
      : listed.flatMap((g) => (Object.hasOwn(map, g) ? [map[g] as string] : []));
  const usable = mapped.filter((g) => g.trim() !== '' && g.length <= 100 && !hasControlCharacter(g));
  return [...new Set(usable)].slice(0, maxGroups);
}

function emailOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    return validEmail(value);
  } catch {
    return null;
  }
}

function usernameOf(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  try {
    return validUsername(value);
  } catch {
    return null;
  }
}

/** A one-line name part of at most 150 characters, or undefined. */
function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (trimmed === '' || hasControlCharacter(trimmed)) return undefined;
  return trimmed.slice(0, 150);
}
