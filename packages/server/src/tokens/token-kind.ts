/**
 * Which kind of token a presented value is, by its form alone: our access tokens are JWS compact
 * serialisations (three base64url parts joined by dots); refresh tokens and codes are one
 * base64url run (tokens/opaque.ts) and never contain a dot.
 */
export function tokenKind(value: string): 'jwt' | 'opaque' {
  return value.includes('.') ? 'jwt' : 'opaque';
}
