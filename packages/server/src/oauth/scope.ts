import type { Client } from '../clients/client.js';
import { isValidScopeName, parseScope } from '../clients/scope.js';
import { InvalidScope } from './errors.js';

/**
 * The scopes a token gets: those requested, each of which the client must be allowed; with none
 * requested, all the client's registered scopes (RFC 6749 §3.3 lets the server apply a default).
 */
export function grantedScopes(client: Client, requested: string | undefined): string[] {
  const asked = parseScope(requested);
  if (asked.length === 0) return [...client.scopes];
  for (const scope of asked) {
    if (!isValidScopeName(scope)) throw new InvalidScope(`scope '${scope}' is malformed`);
    if (!client.scopes.includes(scope))
      throw new InvalidScope(`scope '${scope}' is not allowed for this client`);
  }
  return asked;
}
