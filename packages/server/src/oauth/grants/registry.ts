import { MissingParameter, UnauthorizedClient, UnsupportedGrantType } from '../errors.js';
import type { Grant, GrantParameters, GrantRequest, TokenResponse } from './grant.js';

/** Parameters of every token request, whatever the grant (RFC 6749 §2.3.1, §3.2, §3.3). */
export const commonTokenParameters: GrantParameters = {
  grant_type: 'the grant the client uses',
  scope: 'space-separated scopes requested (RFC 6749 §3.3)',
  client_id: 'the client, when it is public or authenticates in the body',
  client_secret: 'the client secret, when it authenticates in the body (client_secret_post)',
};

/**
 * Maps `grant_type` to its grant; the token endpoint is a dispatcher over this (STYLE C1). The
 * list handed in is the one catalogue of grants: the endpoint's parameters, discovery and client
 * registration all come from it.
 */
export class GrantRegistry {
  readonly #grants = new Map<string, Grant>();
  readonly #parameters: Record<string, string> = { ...commonTokenParameters };

  constructor(grants: readonly Grant[]) {
    for (const grant of grants) {
      if (this.#grants.has(grant.type)) throw new Error(`grant ${grant.type} is listed twice`);
      this.#grants.set(grant.type, grant);
      for (const [name, description] of Object.entries(grant.parameters)) {
        // Two grants may read the same parameter, but it must mean one thing in the endpoint's schema.
        const known = this.#parameters[name];
        if (known !== undefined && known !== description) {
          throw new Error(`grant ${grant.type} redefines the token parameter ${name}`);
        }
        this.#parameters[name] = description;
      }
    }
  }

  /** Sorted, so the discovery document does not depend on the order the grants are listed in. */
  get types(): string[] {
    return [...this.#grants.keys()].sort();
  }

  /** The grants in the order they were listed: what client registration checks a grant against. */
  get catalogue(): readonly Grant[] {
    return [...this.#grants.values()];
  }

  /** Every parameter a token request may carry: the common ones, then each grant's. */
  get parameters(): GrantParameters {
    return this.#parameters;
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
