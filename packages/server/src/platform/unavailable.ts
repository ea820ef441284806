/**
 * "A dependency is unavailable" told apart from a bug: a request that failed because the database
 * (or Redis) is down, restarting, stalled or saturated should be answered 503 with `Retry-After`,
 * while anything else stays a 500 with its stack in the log. Duck-typed on the error codes the
 * drivers give (pg, better-sqlite3, node:net), so no driver is imported here.
 */

export type Dependency = 'database' | 'redis';

/** Thrown where Tessera itself decides a dependency did not answer (a client-side timeout, a lost connection). */
export class DependencyUnavailable extends Error {
  override readonly name = 'DependencyUnavailable';
  readonly dependency: Dependency;

  constructor(dependency: Dependency, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.dependency = dependency;
  }
}

/** Socket-level failures: the peer is gone, refused us, or cannot be reached right now. */
const networkCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs that mean "not now" rather than "wrong": the server is shutting down
 * (57P01 admin_shutdown, 57P02 crash_shutdown), starting (57P03 cannot_connect_now), the session
 * timed out idle (57P05), the statement was cancelled by statement_timeout (57014).
 */
const postgresStates: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', '57P05', '57014']);

/** Class 08 is connection exceptions; class 53 is insufficient resources (too many connections, disk full). */
const postgresClasses: ReadonlySet<string> = new Set(['08', '53']);

/** How deep a `cause` chain is followed; wrappers rarely nest more than twice. */
const maxDepth = 5;

export function isDependencyUnavailable(error: unknown): boolean {
  return unavailableCause(error) !== undefined;
}

/** What to log about an unavailability: the dependency when known and the driver's message, never a URL. */
export function describeUnavailable(error: unknown): { dependency?: Dependency; reason: string } {
  const found = unavailableCause(error) ?? error;
  const reason = found instanceof Error ? found.message : String(found);
  return found instanceof DependencyUnavailable ? { dependency: found.dependency, reason } : { reason };
}

/** The error in `error`'s cause chain (or among an AggregateError's errors) that makes it an unavailability. */
function unavailableCause(error: unknown, depth = 0): unknown {
  if (depth > maxDepth || typeof error !== 'object' || error === null) return undefined;
  if (error instanceof DependencyUnavailable || isUnavailableCode((error as { code?: unknown }).code))
    return error;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = unavailableCause(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return unavailableCause((error as { cause?: unknown }).cause, depth + 1);
}

function isUnavailableCode(code: unknown): boolean {
  if (typeof code !== 'string') return false;
  if (networkCodes.has(code) || postgresStates.has(code)) return true;
  // better-sqlite3: the lock was still held when busy_timeout ran out (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT…).
  if (code.startsWith('SQLITE_BUSY')) return true;
  return /^[0-9A-Z]{5}$/.test(code) && postgresClasses.has(code.slice(0, 2));
}
