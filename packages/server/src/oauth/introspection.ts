import { AccessTokenError } from '../tokens/access-token.js';
import type { AccessTokenCheck } from './access-token-check.js';

/** RFC 7662 §2.2 response. Inactive tokens say nothing more (§2.2: no other information). */
export type IntrospectionResponse =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly scope?: string;
      readonly client_id: string;
      readonly token_type: 'Bearer';
      readonly exp: number;
      readonly iat: number;
      readonly sub: string;
      readonly aud?: string | string[];
      readonly iss: string;
      readonly jti: string;
      readonly sid?: string;
      readonly username?: string;
    };

/** RFC 7662: whatever the hint, any token Tessera cannot vouch for is simply inactive. */
export async function introspect(token: string, check: AccessTokenCheck): Promise<IntrospectionResponse> {
  try {
    const { claims, user } = await check.check(token);
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
    if (error instanceof AccessTokenError) return { active: false };
    throw error;
  }
}
