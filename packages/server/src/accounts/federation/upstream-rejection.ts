import { InvalidCredentials } from '../authenticator.js';

/**
 * An upstream credential refused, with what was wrong in words safe to send back (SPEC: 401
 * UNAUTHENTICATED saying what was wrong, never echoing the token). The sign-in use case passes
 * `detail` on to the door and into the audit record.
 */
export class UpstreamTokenRejected extends InvalidCredentials {
  readonly detail: string;

  constructor(detail: string) {
    super(detail);
    this.detail = detail;
  }
}
