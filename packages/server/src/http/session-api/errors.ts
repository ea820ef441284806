/** Codes of the session API's error envelope (SPEC "First-party session API"). */
export type SessionApiCode =
  | 'INVALID_CREDENTIALS'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_REQUEST'
  | 'RATE_LIMITED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'SERVICE_UNAVAILABLE';

export class SessionApiError extends Error {
  readonly code: SessionApiCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: SessionApiCode, message: string, status: number, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'SessionApiError';
    this.code = code;
    this.status = status;
    this.headers = headers;
  }
}

/** The exact messages existing clients match on. */
export const invalidCredentials = () =>
  new SessionApiError('INVALID_CREDENTIALS', 'Invalid username or password', 401);
export const tokenExpired = () => new SessionApiError('UNAUTHENTICATED', 'Token has expired', 401);
export const invalidToken = () => new SessionApiError('UNAUTHENTICATED', 'Invalid authentication token', 401);
export const authenticationRequired = () =>
  new SessionApiError('UNAUTHENTICATED', 'Authentication required', 401);
export const accountDisabled = () => new SessionApiError('FORBIDDEN', 'Account is disabled', 403);
export const forbidden = (message: string) => new SessionApiError('FORBIDDEN', message, 403);
export const notFound = (message: string) => new SessionApiError('NOT_FOUND', message, 404);
export const badRequest = (message: string) => new SessionApiError('BAD_REQUEST', message, 400);
