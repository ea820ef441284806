export { errorBody, wwwAuthenticate } from './challenge.js';
export {
  InsufficientScopeError,
  InvalidTokenError,
  type TokenProblem,
  type VerificationError,
} from './errors.js';
export type { IntrospectionOptions } from './introspection.js';
export { assertScopes, bearerFrom, scopesOf } from './scopes.js';
export { type AccessTokenClaims, createVerifier, type Verifier, type VerifierOptions } from './verifier.js';
