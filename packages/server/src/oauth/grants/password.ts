import type { PasswordAuthenticator } from '../../accounts/authentication.js';
import { signInWithPassword } from '../../accounts/password-sign-in.js';
import type { SessionManager } from '../../accounts/sessions.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { InvalidGrant } from '../errors.js';
import { grantedScopes } from '../scope.js';
import type { Grant, GrantRequest, TokenResponse } from './grant.js';
import { requireParam } from './registry.js';

export interface PasswordGrantDeps {
  readonly authenticator: PasswordAuthenticator;
  readonly sessions: SessionManager;
  readonly audit: AuditLog;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly sessionMaxAge: number;
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
    async handle({ client, params, ip, userAgent }: GrantRequest): Promise<TokenResponse> {
      const username = requireParam(params, 'username');
      const password = requireParam(params, 'password');
      const scope = grantedScopes(client, params.scope);
      const outcome = await signInWithPassword(deps.authenticator, deps.audit, {
        username,
        password,
        ip,
        userAgent,
        via: 'password_grant',
        clientId: client.id,
        onlyUserId: client.ownerUserId,
      });
      if ('refused' in outcome) throw new InvalidGrant('Invalid username or password');
      const { user } = outcome;
      const issued = await deps.sessions.open({
        user,
        kind: 'oauth',
        clientId: client.id,
        scope,
        policy: {
          accessTtl: client.accessTokenTtl ?? deps.accessTokenTtl,
          refreshTtl: client.grantTypes.includes('refresh_token')
            ? (client.refreshTokenTtl ?? deps.refreshTokenTtl)
            : null,
          maxAge: deps.sessionMaxAge,
        },
        amr: ['pwd'],
        ip,
        userAgent,
      });
      await deps.audit.record({
        type: 'login.succeeded',
        actor: `user:${user.id}`,
        subject: `session:${issued.session.id}`,
        clientId: client.id,
        ip,
        userAgent,
        details: { grant: 'password' },
      });
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
