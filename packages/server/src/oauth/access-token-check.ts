import type { ClientDirectory } from '../clients/client-directory.js';
import { type AccessTokenClaims, AccessTokenError, type AccessTokens } from '../tokens/access-token.js';
import type { RevocationList } from '../tokens/revocation-list.js';

/**
 * The one answer to "is this access token still good" (STYLE C16): signature, issuer, type and
 * expiry, then the things a JWT cannot say about itself: revoked by id, issued to a client that
 * has since been revoked. Introspection, userinfo and the session API all ask here.
 */
export class AccessTokenCheck {
  readonly #tokens: AccessTokens;
  readonly #revocations: RevocationList;
  readonly #clients: ClientDirectory;

  constructor(tokens: AccessTokens, revocations: RevocationList, clients: ClientDirectory) {
    this.#tokens = tokens;
    this.#revocations = revocations;
    this.#clients = clients;
  }

  /** The token's claims, or AccessTokenError('expired' | 'invalid'). */
  async check(token: string): Promise<AccessTokenClaims> {
    const claims = await this.#tokens.verify(token);
    if (await this.#revocations.isRevoked(claims.jti))
      throw new AccessTokenError('invalid', 'token has been revoked');
    const client = await this.#clients.find(claims.client_id);
    if (client === undefined || client.client.revokedAt !== null) {
      throw new AccessTokenError('invalid', 'the client this token was issued to is revoked');
    }
    return claims;
  }
}
