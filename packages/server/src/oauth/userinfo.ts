import type { User } from '../accounts/user.js';
import type { Scope } from '../clients/scope.js';

/** The claims a scope set releases (OIDC Core §5.4, plus the attributes each scope names). */
export type UserinfoClaims = { sub: string; scope: string; [claim: string]: unknown };

export function userinfoClaims(
  user: User,
  granted: readonly string[],
  scopes: readonly Scope[],
): UserinfoClaims {
  const claims: UserinfoClaims = { sub: user.id, scope: '' };
  if (granted.includes('profile')) Object.assign(claims, profileClaims(user));
  if (granted.includes('email')) {
    claims.email = user.email;
    claims.email_verified = user.attributes.email_verified === true;
  }
  if (granted.includes('groups')) claims.groups = [...user.groups];
  // An attribute never overrides a standard claim of the same name.
  for (const [name, value] of Object.entries(releasedAttributes(user, granted, scopes))) {
    if (!Object.hasOwn(claims, name)) claims[name] = value;
  }
  claims.scope = granted.join(' ');
  return claims;
}

/** Attributes released by the granted scopes' `claims` lists; never one whose scope was not granted. */
export function releasedAttributes(
  user: User,
  granted: readonly string[],
  scopes: readonly Scope[],
): Record<string, unknown> {
  const released: Record<string, unknown> = {};
  for (const scope of scopes) {
    if (!granted.includes(scope.name)) continue;
    for (const claim of scope.claims) {
      if (Object.hasOwn(user.attributes, claim)) released[claim] = user.attributes[claim];
    }
  }
  return released;
}

function profileClaims(user: User): Record<string, unknown> {
  const picture = typeof user.attributes.picture === 'string' ? user.attributes.picture : null;
  const name = [user.firstName, user.lastName].filter((n) => n !== '').join(' ');
  return {
    name: name === '' ? user.username : name,
    given_name: user.firstName,
    family_name: user.lastName,
    preferred_username: user.username,
    ...(picture === null ? {} : { picture }),
    profile_picture: picture,
    has_custom_picture: picture !== null,
    updated_at: Math.floor(user.updatedAt.getTime() / 1000),
  };
}

/**
 * Whether a token may read userinfo: with `openid` (OIDC Core §5.3), and also with `profile` or
 * `email` alone, for OAuth clients that never ask for openid (the seed products' API clients do
 * this); the claims released still follow the granted scopes.
 */
export function mayReadUserinfo(granted: readonly string[]): boolean {
  return granted.some((scope) => scope === 'openid' || scope === 'profile' || scope === 'email');
}
