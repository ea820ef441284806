import type { UserStore } from '../accounts/stores.js';
import type { ScopeStore } from '../clients/stores.js';
import { userinfoClaims } from './userinfo.js';

/**
 * The claims an ID token carries besides its own: those the `claims` request asks for in the
 * ID token, among what the granted scopes release (the same release rule as userinfo).
 */
export function idTokenClaimsFrom(users: UserStore, scopes: ScopeStore) {
  return async function idTokenClaims(
    userId: string,
    scope: readonly string[],
    claimsRequest: string | null,
  ): Promise<Record<string, unknown>> {
    const user = await users.findById(userId);
    if (user === undefined) return {};
    const { sub: _sub, scope: _scope, ...released } = userinfoClaims(user, scope, await scopes.list());
    return requestedIdTokenClaims(released, claimsRequest);
  };
}

/**
 * OIDC Core §5.5: of the claims the `claims` parameter asks for in the ID token, those the
 * granted scopes release. A claim is never released without its scope.
 */
export function requestedIdTokenClaims(
  released: Record<string, unknown>,
  claimsRequest: string | null,
): Record<string, unknown> {
  if (claimsRequest === null) return {};
  const requested = (JSON.parse(claimsRequest) as { id_token?: unknown }).id_token;
  if (requested === null || typeof requested !== 'object') return {};
  return Object.fromEntries(
    Object.keys(requested)
      .filter((name) => Object.hasOwn(released, name))
      .map((name) => [name, released[name]]),
  );
}
