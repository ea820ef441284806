import type { SessionService } from '../accounts/sessions.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Client } from '../clients/client.js';
import { AccessTokenError, type AccessTokens } from '../tokens/access-token.js';
import type { RevocationList } from '../tokens/revocation-list.js';
import { tokenKind } from '../tokens/token-kind.js';
import { InvalidRequest } from './errors.js';

export interface RevocationRequest {
  readonly token: string;
  readonly client: Client;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface RevocationDeps {
  readonly accessTokens: AccessTokens;
  readonly revocations: RevocationList;
  readonly audit: AuditLog;
  readonly sessions: SessionService;
}

/**
 * RFC 7009. An unknown, malformed or already expired token is answered like a revoked one
 * (§2.2: the client cannot act on the difference). A token issued to another client is refused
 * (§2.1). A JWT access token is revoked by its `jti` until it would have expired anyway.
 */
export async function revokeToken(request: RevocationRequest, deps: RevocationDeps): Promise<void> {
  // The token's form tells the kinds apart; the hint only orders the lookups (§2.1).
  if (tokenKind(request.token) === 'opaque') return revokeRefreshToken(request, deps);
  let claims: Awaited<ReturnType<AccessTokens['verify']>>;
  try {
    claims = await deps.accessTokens.verify(request.token);
  } catch (error) {
    if (error instanceof AccessTokenError) return;
    throw error;
  }
  if (claims.client_id !== request.client.id)
    throw new InvalidRequest('the token was not issued to this client');
  if (await deps.revocations.isRevoked(claims.jti)) return;
  await deps.revocations.revoke(claims.jti, new Date(claims.exp * 1000));
  await deps.audit.record({
    type: 'token.revoked',
    actor: `client:${request.client.id}`,
    subject: `token:${claims.jti}`,
    clientId: request.client.id,
    ip: request.ip,
    userAgent: request.userAgent,
    details: { token_type: 'access_token' },
  });
}

async function revokeRefreshToken(request: RevocationRequest, deps: RevocationDeps): Promise<void> {
  const outcome = await deps.sessions.revokeRefreshToken(request.token, request.client.id);
  if (outcome === 'foreign') throw new InvalidRequest('the token was not issued to this client');
  if (outcome === 'unknown') return;
  await deps.audit.record({
    type: 'token.revoked',
    actor: `client:${request.client.id}`,
    subject: 'refresh_token',
    clientId: request.client.id,
    ip: request.ip,
    userAgent: request.userAgent,
    details: { token_type: 'refresh_token' },
  });
}
