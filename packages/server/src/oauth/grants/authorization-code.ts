import type { SessionService } from '../../accounts/sessions.js';
import type { UserStore } from '../../accounts/stores.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Clock } from '../../platform/clock.js';
import { hashSecret } from '../../platform/secret-hash.js';
import type { IdTokens } from '../../tokens/id-token.js';
import { InvalidGrant } from '../errors.js';
import { verifierMatches } from '../pkce.js';
import type { AuthorizationCodeStore } from '../stores.js';
import { clientTokenPolicy, type OAuthLifetimes } from './client-policy.js';
import type { Grant, GrantRequest, TokenResponse } from './grant.js';
import { requireParam } from './registry.js';

/** Marks a code whose reuse was seen before its first exchange had recorded what it issued. */
const reuseFlag = 'reuse-detected';

export interface AuthorizationCodeGrantDeps extends OAuthLifetimes {
  readonly codes: AuthorizationCodeStore;
  readonly users: UserStore;
  readonly sessions: SessionService;
  readonly idTokens: IdTokens;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Claims the ID token carries beyond the standard ones, from the `claims` request. */
  readonly idTokenClaims: (
    userId: string,
    scope: readonly string[],
    claimsRequest: string | null,
  ) => Promise<Record<string, unknown>>;
}

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636): a code is single-use, bound to its client, redirect URI
 * and challenge, and lives 10 minutes. A second use revokes everything the first issued
 * (RFC 6749 §4.1.2, RFC 9700 §4.5).
 */
export function authorizationCodeGrant(deps: AuthorizationCodeGrantDeps): Grant {
  return {
    type: 'authorization_code',
    allowsPublicClients: true,
    parameters: {
      code: 'the authorization code',
      redirect_uri: 'the redirect_uri of the authorization request',
      code_verifier: 'the PKCE code verifier (RFC 7636)',
    },
    async handle({ client, params, ip, userAgent }: GrantRequest): Promise<TokenResponse> {
      const value = requireParam(params, 'code');
      const verifier = requireParam(params, 'code_verifier');
      const hash = hashSecret(value);
      const code = await deps.codes.findByHash(hash);
      const now = deps.clock.now();
      if (code === undefined || code.clientId !== client.id)
        throw new InvalidGrant('the authorization code is invalid');
      // Only a request that could have redeemed the code counts as its reuse: someone holding an
      // intercepted code without the verifier must not be able to revoke the real user's tokens.
      if (params.redirect_uri !== undefined && params.redirect_uri !== code.redirectUri) {
        throw new InvalidGrant('redirect_uri does not match the authorization request');
      }
      if (!verifierMatches(verifier, code.codeChallenge))
        throw new InvalidGrant('code_verifier does not match the code_challenge');
      if (code.consumedAt !== null) return refuseReuse(code.issuedSessionId);
      if (now.getTime() >= code.expiresAt.getTime())
        throw new InvalidGrant('the authorization code has expired');
      // A code whose browser session has since ended (signed out) is worth nothing.
      const browserSession = await deps.sessions.findSession(code.sessionId);
      if (browserSession === undefined || browserSession.endedAt !== null)
        throw new InvalidGrant('the sign-in behind this code has ended');
      if (!(await deps.codes.markConsumed(hash, now)))
        return refuseReuse((await deps.codes.findByHash(hash))?.issuedSessionId ?? null);

      const user = await deps.users.findById(code.userId);
      if (user === undefined || user.disabled)
        throw new InvalidGrant('the user of this authorization code is disabled');
      const issued = await deps.sessions.open({
        user,
        kind: 'oauth',
        clientId: client.id,
        scope: code.scope,
        policy: clientTokenPolicy(client, deps),
        amr: code.amr,
        ip,
        userAgent,
      });
      if (!(await deps.codes.recordIssuedSession(hash, issued.session.id))) {
        // A second use of the code arrived while this one was issuing: it flagged the code, so
        // what this exchange issued is revoked before anyone receives it.
        await deps.sessions.end(issued.session.id, 'authorization_code_reuse');
        throw new InvalidGrant('the authorization code was already used');
      }
      const idToken = code.scope.includes('openid')
        ? deps.idTokens.issue({
            subject: user.id,
            clientId: client.id,
            alg: client.idTokenSignedResponseAlg,
            nonce: code.nonce,
            authTime: code.authTime,
            sessionId: code.sessionId,
            amr: code.amr,
            accessToken: issued.accessToken.token,
            extraClaims: await deps.idTokenClaims(user.id, code.scope, code.claims),
          })
        : undefined;
      return {
        access_token: issued.accessToken.token,
        token_type: 'Bearer',
        expires_in: issued.accessToken.expiresIn,
        ...(code.scope.length > 0 ? { scope: code.scope.join(' ') } : {}),
        ...(issued.refreshToken === undefined ? {} : { refresh_token: issued.refreshToken }),
        ...(idToken === undefined ? {} : { id_token: idToken }),
      };

      async function refuseReuse(issuedSessionId: string | null): Promise<never> {
        if (issuedSessionId !== null) {
          await deps.sessions.end(issuedSessionId, 'authorization_code_reuse');
        } else if (!(await deps.codes.recordIssuedSession(hash, reuseFlag))) {
          // The first exchange recorded its session meanwhile: revoke it now.
          const recorded = (await deps.codes.findByHash(hash))?.issuedSessionId;
          if (recorded != null && recorded !== reuseFlag)
            await deps.sessions.end(recorded, 'authorization_code_reuse');
        }
        await deps.audit.record({
          type: 'token.revoked',
          outcome: 'failure',
          actor: `client:${client.id}`,
          subject: issuedSessionId === null ? null : `session:${issuedSessionId}`,
          clientId: client.id,
          ip,
          userAgent,
          details: { reason: 'authorization_code_reuse' },
        });
        throw new InvalidGrant('the authorization code was already used');
      }
    },
  };
}
