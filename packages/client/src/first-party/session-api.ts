import { AuthenticationError, ProtocolError, RateLimitError, type TesseraError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import { retryAfterSeconds } from '../internal/rate-limit.js';

/**
 * The session API's user: fixed fields plus each permission as a top-level `true`
 * (`"can_run_pipelines": true`).
 */
export interface SessionUser {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly first_name: string;
  readonly last_name: string;
  readonly is_admin: boolean;
  readonly groups: readonly string[];
  readonly permissions: readonly string[];
  readonly [permission: string]: unknown;
}

interface ErrorEnvelope {
  readonly errors?: readonly {
    readonly message?: unknown;
    readonly extensions?: { readonly code?: unknown };
  }[];
}

/**
 * The typed error for a session-API response that is not a success:
 * `{"errors":[{"message","extensions":{"code"}}]}` → AuthenticationError for the codes that mean
 * "not signed in", RateLimitError for 429, ProtocolError (with the server's code) for the rest.
 */
export async function sessionApiError(response: Response, clock: Clock): Promise<TesseraError> {
  if (response.status === 429) {
    await response.body?.cancel().catch(() => undefined);
    return new RateLimitError(retryAfterSeconds(response, clock));
  }
  const body = (await response.json().catch(() => undefined)) as ErrorEnvelope | undefined;
  const first = body?.errors?.[0];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : undefined;
  const message = typeof first?.message === 'string' ? first.message : undefined;
  const status = response.status;
  switch (code) {
    case 'INVALID_CREDENTIALS':
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return new AuthenticationError(code, message ?? code, { status });
    case 'RATE_LIMITED':
      return new RateLimitError(retryAfterSeconds(response, clock));
    case undefined:
      if (status === 401)
        return new AuthenticationError('UNAUTHENTICATED', message ?? 'unauthenticated', { status });
      return new ProtocolError(`HTTP_${status}`, message ?? response.statusText, { status });
    default:
      return new ProtocolError(code, message, { status });
  }
}

/** Reads a JSON success body, or throws the typed error. */
export async function sessionApiJson<T>(response: Response, clock: Clock): Promise<T> {
  if (!response.ok) throw await sessionApiError(response, clock);
  return (await response.json()) as T;
}
