export type RefreshFailure = 'invalid' | 'expired' | 'reused';

/** A refresh credential that does not (or no longer) work; `reused` has ended its session. */
export class RefreshFailed extends Error {
  override readonly name = 'RefreshFailed';
  readonly reason: RefreshFailure;
  constructor(reason: RefreshFailure) {
    super(`refresh token is ${reason}`);
    this.reason = reason;
  }
}

/** A refresh asked for a scope the original grant did not include (RFC 6749 §6). */
export class ScopeNotGranted extends Error {
  override readonly name = 'ScopeNotGranted';
}
