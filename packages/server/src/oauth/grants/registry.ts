import { MissingParameter, UnauthorizedClient, UnsupportedGrantType } from '../errors.js';
import type { Grant, GrantRequest, TokenResponse } from './grant.js';

/** Maps `grant_type` to its grant; the token endpoint is a dispatcher over this (STYLE C1). */
export class GrantRegistry {
  readonly #grants = new Map<string, Grant>();

  constructor(grants: readonly Grant[]) {
    for (const grant of grants) this.#grants.set(grant.type, grant);
  }

  get types(): string[] {
    return [...this.#grants.keys()];
  }

  handle(grantType: string, request: GrantRequest): Promise<TokenResponse> {
    const grant = this.#grants.get(grantType);
    if (grant === undefined) throw new UnsupportedGrantType(grantType);
    const { client } = request;
    if (!client.grantTypes.includes(grant.type)) {
      throw new UnauthorizedClient(`this client is not allowed the ${grant.type} grant`);
    }
    if (client.type === 'public' && !grant.allowsPublicClients) {
      throw new UnauthorizedClient(`public clients cannot use the ${grant.type} grant`);
    }
    return grant.handle(request);
  }
}

/** A parameter the grant cannot do without. */
export function requireParam(params: Readonly<Record<string, string>>, name: string): string {
  const value = params[name];
  if (value === undefined) throw new MissingParameter(name);
  return value;
}
