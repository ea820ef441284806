import type { ScopeStore } from '../clients/stores.js';
import { InvalidInputError } from '../platform/errors.js';
import { newAccount } from './new-account.js';
import type { TokenPolicy } from './session-tokens.js';
import type { User } from './user.js';
import { resolveNames, validEmail, validGroups, validPermissions, validUsername } from './user-validation.js';

/** Service accounts (robots): no password, scopes of their own, long-lived tokens. */

export interface CreateServiceAccountInput {
  readonly name: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly email?: string;
  readonly groups?: readonly string[];
  readonly scopes?: readonly string[];
  readonly permissions?: readonly string[];
}

export const maxServiceTokenDays = 365;

/** A new service account from validated input; its scopes must be registered. */
export async function newServiceAccount(
  input: CreateServiceAccountInput,
  scopes: ScopeStore,
  now: Date,
): Promise<User> {
  const [firstName, lastName] = resolveNames({ firstName: input.firstName, lastName: input.lastName });
  return newAccount(
    {
      username: validUsername(input.name),
      kind: 'service',
      email: validEmail(input.email),
      firstName,
      lastName,
      groups: validGroups(input.groups ?? []),
      permissions: validPermissions(input.permissions ?? []),
      scopes: await registeredScopes(input.scopes ?? [], scopes),
    },
    now,
  );
}

/** The scopes, once each, if every one is registered. */
export async function registeredScopes(requested: readonly string[], scopes: ScopeStore): Promise<string[]> {
  const unique = [...new Set(requested)];
  for (const scope of unique) {
    if ((await scopes.findByName(scope)) === undefined) {
      throw new InvalidInputError(`unknown scope '${scope}'; create the scope first`);
    }
  }
  return unique;
}

/**
 * A service-account token's session: one access token that lives `days` whole days, no refresh
 * token, the session ending with it (so ending the session refuses the token).
 */
export function serviceTokenPolicy(days: number): TokenPolicy {
  if (!Number.isInteger(days) || days < 1 || days > maxServiceTokenDays) {
    throw new InvalidInputError(
      `a service-account token lasts a whole number of days from 1 to ${maxServiceTokenDays}`,
    );
  }
  const lifetime = days * 86_400;
  return { accessTtl: lifetime, refreshTtl: null, maxAge: lifetime };
}
