import type { AccessTokens } from '../../tokens/access-token.js';
import { grantedScopes } from '../scope.js';
import type { Grant, GrantRequest, TokenResponse } from './grant.js';

export interface ClientCredentialsDeps {
  readonly accessTokens: AccessTokens;
  /** `aud` of the tokens. */
  readonly audience: string;
  readonly defaultTtl: number;
}

/**
 * RFC 6749 §4.4: a confidential client obtains a token for itself (`sub` = client id).
 * No refresh token (§4.4.3) and no database write: the client came from the cache.
 */
export function clientCredentialsGrant(deps: ClientCredentialsDeps): Grant {
  return {
    type: 'client_credentials',
    allowsPublicClients: false,
    parameters: {},
    async handle({ client, params }: GrantRequest): Promise<TokenResponse> {
      const scope = grantedScopes(client, params.scope);
      const issued = deps.accessTokens.issue({
        subject: client.id,
        clientId: client.id,
        scope,
        audience: deps.audience,
        ttlSeconds: client.accessTokenTtl ?? deps.defaultTtl,
      });
      return {
        access_token: issued.token,
        token_type: 'Bearer',
        expires_in: issued.expiresIn,
        ...(scope.length > 0 ? { scope: scope.join(' ') } : {}),
      };
    },
  };
}
