import { sessionApiClientId } from '../accounts/session.js';
import type { SessionService } from '../accounts/sessions.js';
import type { Client } from '../clients/client.js';
import type { ClientDirectory } from '../clients/client-directory.js';
import { AccessTokenError } from '../tokens/access-token.js';
import { tokenKind } from '../tokens/token-kind.js';
import type { AccessTokenCheck } from './access-token-check.js';

/** RFC 7662 §2.2 response. Inactive tokens say nothing more (§2.2: no other information). */
export type IntrospectionResponse =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly scope?: string;
      readonly client_id: string;
      /** `Bearer` for access tokens; absent for refresh tokens, which are not presented to APIs. */
      readonly token_type?: 'Bearer';
      readonly exp: number;
      readonly iat: number;
      readonly sub: string;
      readonly aud?: string | string[];
      readonly iss: string;
      readonly jti?: string;
      readonly sid?: string;
      readonly username?: string;
    };

interface IntrospectionDeps {
  readonly check: AccessTokenCheck;
  readonly clients: ClientDirectory;
  readonly sessions: SessionService;
  readonly issuer: string;
}

const inactive = { active: false } as const;
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * RFC 7662 for access tokens (the one access-token check) and refresh tokens. Whatever the hint,
 * a token Tessera cannot vouch for is simply inactive. §4: a client with the introspection
 * permission (a resource server) may introspect any token; any other client only its own, and
 * someone else's token looks inactive to it.
 */
export class TokenIntrospection {
  readonly #deps: IntrospectionDeps;

  constructor(deps: IntrospectionDeps) {
    this.#deps = deps;
  }

  async introspect(token: string, caller: Client): Promise<IntrospectionResponse> {
    const response =
      tokenKind(token) === 'jwt' ? await this.#accessToken(token) : await this.#refreshToken(token);
    if (!response.active) return response;
    return caller.introspection || response.client_id === caller.id ? response : inactive;
  }

  async #accessToken(token: string): Promise<IntrospectionResponse> {
    try {
      const { claims, user } = await this.#deps.check.check(token);
      return {
        active: true,
        ...(claims.scope === undefined ? {} : { scope: claims.scope }),
        client_id: claims.client_id,
        token_type: 'Bearer',
        exp: claims.exp,
        iat: claims.iat,
        sub: claims.sub,
        ...(claims.aud === undefined ? {} : { aud: claims.aud }),
        iss: claims.iss,
        jti: claims.jti,
        ...(claims.sid === undefined ? {} : { sid: claims.sid }),
        ...(user === undefined ? {} : { username: user.username }),
      };
    } catch (error) {
      if (error instanceof AccessTokenError) return inactive;
      throw error;
    }
  }

  async #refreshToken(token: string): Promise<IntrospectionResponse> {
    const live = await this.#deps.sessions.liveRefreshToken(token);
    if (live === undefined) return inactive;
    const { token: record, session, user } = live;
    // As for access tokens: a revoked client's tokens are inactive.
    if (record.clientId !== null) {
      const entry = await this.#deps.clients.find(record.clientId);
      if (entry === undefined || entry.client.revokedAt !== null) return inactive;
    }
    return {
      active: true,
      ...(record.scope.length === 0 ? {} : { scope: record.scope.join(' ') }),
      client_id: record.clientId ?? sessionApiClientId,
      exp: seconds(record.expiresAt),
      iat: seconds(record.createdAt),
      sub: user.id,
      iss: this.#deps.issuer,
      sid: session.id,
      username: user.username,
    };
  }
}
