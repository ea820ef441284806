import { RefreshFailed, ScopeNotGranted } from '../../accounts/refresh-errors.js';
import type { RefreshRotation } from '../../accounts/refresh-rotation.js';
import { parseScope } from '../../clients/scope.js';
import { InvalidGrant, InvalidScope } from '../errors.js';
import { clientTokenPolicy, type OAuthLifetimes } from './client-policy.js';
import type { Grant, GrantRequest, TokenResponse } from './grant.js';
import { requireParam } from './registry.js';

export interface RefreshTokenGrantDeps extends OAuthLifetimes {
  readonly rotation: RefreshRotation;
}

/** RFC 6749 §6 with rotation (OAuth 2.1 §4.3.1): every use returns a new refresh token. */
export function refreshTokenGrant(deps: RefreshTokenGrantDeps): Grant {
  return {
    type: 'refresh_token',
    allowsPublicClients: true,
    parameters: { refresh_token: 'the refresh token' },
    async handle({ client, params, ip, userAgent }: GrantRequest): Promise<TokenResponse> {
      const value = requireParam(params, 'refresh_token');
      const narrowed = params.scope === undefined ? undefined : parseScope(params.scope);
      try {
        const issued = await deps.rotation.refresh(value, {
          clientId: client.id,
          policy: clientTokenPolicy(client, deps),
          scope: narrowed,
          allowedScopes: client.scopes,
          ip,
          userAgent,
        });
        return {
          access_token: issued.accessToken.token,
          token_type: 'Bearer',
          expires_in: issued.accessToken.expiresIn,
          ...(issued.scope.length > 0 ? { scope: issued.scope.join(' ') } : {}),
          ...(issued.refreshToken === undefined ? {} : { refresh_token: issued.refreshToken }),
        };
      } catch (error) {
        if (error instanceof RefreshFailed) throw new InvalidGrant(`the refresh token is ${error.reason}`);
        if (error instanceof ScopeNotGranted) throw new InvalidScope(error.message);
        throw error;
      }
    },
  };
}
