import type { PasswordAuthenticator } from '../../accounts/password-authenticator.js';
import type { SignIn } from '../../accounts/sign-in.js';
import { InvalidGrant } from '../errors.js';
import { grantedScopes } from '../scope.js';
import { clientTokenPolicy, type OAuthLifetimes } from './client-policy.js';
import type { Grant, GrantRequest, TokenResponse } from './grant.js';
import { requireParam } from './registry.js';

export interface PasswordGrantDeps extends OAuthLifetimes {
  readonly signIn: SignIn;
  readonly passwords: PasswordAuthenticator;
}

/**
 * RFC 6749 §4.3, for the clients granted it only (OAuth 2.1 drops it; SPEC keeps it for personal
 * API clients). A client with an owner obtains tokens for that user alone; anyone else, like a
 * wrong password, is `invalid_grant` with the same description.
 */
export function passwordGrant(deps: PasswordGrantDeps): Grant {
  return {
    type: 'password',
    allowsPublicClients: false,
    parameters: { username: "the user's username", password: "the user's password" },
    async handle({ client, params, ip, userAgent }: GrantRequest): Promise<TokenResponse> {
      const username = requireParam(params, 'username');
      const password = requireParam(params, 'password');
      const scope = grantedScopes(client, params.scope);
      const outcome = await deps.signIn.signIn(
        deps.passwords,
        { username, password },
        { via: 'password_grant', ip, userAgent, clientId: client.id, onlyUserId: client.ownerUserId },
        {
          kind: 'oauth',
          clientId: client.id,
          scope,
          policy: clientTokenPolicy(client, deps),
        },
      );
      if ('refused' in outcome) throw new InvalidGrant('Invalid username or password');
      const issued = outcome.tokens;
      return {
        access_token: issued.accessToken.token,
        token_type: 'Bearer',
        expires_in: issued.accessToken.expiresIn,
        ...(scope.length > 0 ? { scope: scope.join(' ') } : {}),
        ...(issued.refreshToken === undefined ? {} : { refresh_token: issued.refreshToken }),
      };
    },
  };
}
