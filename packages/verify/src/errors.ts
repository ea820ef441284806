/** Why a request was refused, in RFC 6750 terms. */
export type TokenProblem = 'missing' | 'malformed' | 'expired' | 'invalid' | 'revoked';

/** 401: no token, or one that is not a valid, live Tessera access token for this API. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
  readonly code = 'invalid_token' as const;
  readonly status = 401;
  readonly problem: TokenProblem;
  constructor(problem: TokenProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.problem = problem;
  }
}

/** 403: a valid token without every scope the route needs. */
export class InsufficientScopeError extends Error {
  override readonly name = 'InsufficientScopeError';
  readonly code = 'insufficient_scope' as const;
  readonly status = 403;
  readonly required: readonly string[];
  constructor(required: readonly string[]) {
    super(`the token lacks scope ${required.join(' ')}`);
    this.required = required;
  }
}

export type VerificationError = InvalidTokenError | InsufficientScopeError;
