/** Codes of an {@link AuthenticationError}: the session API's own, plus `NOT_SIGNED_IN` when nothing is stored. */
export type AuthenticationErrorCode =
  | 'INVALID_CREDENTIALS'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_SIGNED_IN';

/** Base class of every error this package throws on purpose; `code` is what to switch on. */
export class TesseraError extends Error {
  override readonly name: string = 'TesseraError';
  readonly code: string;
  /** HTTP status of the response that caused it, when there was one. */
  readonly status: number | undefined;

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }
}

/**
 * The user is not (or no longer) signed in: wrong password, disabled account, or a session that
 * ended (logout, expiry, refresh-token reuse). The stored tokens are cleared before it is thrown.
 */
export class AuthenticationError extends TesseraError {
  override readonly name = 'AuthenticationError';
  declare readonly code: AuthenticationErrorCode;

  constructor(
    code: AuthenticationErrorCode,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

/**
 * 429 after the bounded automatic waiting gave up. `retryAfter` is the server's Retry-After in
 * seconds (undefined when it sent none).
 */
export class RateLimitError extends TesseraError {
  override readonly name = 'RateLimitError';
  declare readonly code: 'RATE_LIMITED';
  readonly retryAfter: number | undefined;

  constructor(retryAfter: number | undefined, options: { cause?: unknown } = {}) {
    super(
      'RATE_LIMITED',
      retryAfter === undefined ? 'rate limited' : `rate limited; retry after ${retryAfter} s`,
      { status: 429, ...options },
    );
    this.retryAfter = retryAfter;
  }
}

/**
 * The server refused a protocol step, or its answer failed validation. `code` is the server's
 * own error code when it sent one (`invalid_grant`, `invalid_client`, `access_denied`,
 * `BAD_REQUEST`, …); otherwise one of this package's: `invalid_state` (callback without a matching
 * authorization request), `invalid_issuer` (RFC 9207 `iss` mismatch), `invalid_response`.
 */
export class ProtocolError extends TesseraError {
  override readonly name = 'ProtocolError';
  /** The server's `error_description` (OAuth) or message (session API), if any. */
  readonly description: string | undefined;

  constructor(code: string, description?: string, options: { status?: number; cause?: unknown } = {}) {
    super(code, description === undefined ? code : `${code}: ${description}`, options);
    this.description = description;
  }
}
