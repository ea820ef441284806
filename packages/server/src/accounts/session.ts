import { randomId } from '../platform/random.js';
import type { User } from './user.js';

/** `client_id` of tokens issued by the first-party session API, which has no OAuth client. */
export const sessionApiClientId = 'tessera';

/** Where a session was opened: the session API, an OAuth grant, the browser, a service account. */
export type SessionKind = 'api' | 'oauth' | 'browser' | 'service';

export interface Session {
  readonly id: string;
  readonly userId: string;
  /** The OAuth client the session belongs to; null for the session API and the browser. */
  readonly clientId: string | null;
  readonly kind: SessionKind;
  readonly authTime: Date;
  readonly amr: readonly string[];
  readonly createdAt: Date;
  readonly lastActiveAt: Date;
  /** Absolute end: no refresh extends a session past it. */
  readonly expiresAt: Date;
  readonly endedAt: Date | null;
  readonly endReason: string | null;
  readonly newestAccessJti: string | null;
  readonly previousAccessJti: string | null;
  readonly accessRotatedAt: Date | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export function sessionIsLive(session: Session, now: Date): boolean {
  return session.endedAt === null && session.expiresAt.getTime() > now.getTime();
}

export interface NewSession {
  readonly user: User;
  readonly kind: SessionKind;
  readonly clientId: string | null;
  readonly amr: readonly string[];
  /** Seconds until the session's absolute end. */
  readonly maxAge: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** The one place a session is made: signed in now, active now, ending after `maxAge`. */
export function createSession(input: NewSession, now: Date): Session {
  return {
    id: randomId(),
    userId: input.user.id,
    clientId: input.clientId,
    kind: input.kind,
    authTime: now,
    amr: [...input.amr],
    createdAt: now,
    lastActiveAt: now,
    expiresAt: new Date(now.getTime() + input.maxAge * 1000),
    endedAt: null,
    endReason: null,
    newestAccessJti: null,
    previousAccessJti: null,
    accessRotatedAt: null,
    ip: input.ip,
    userAgent: input.userAgent,
  };
}

export interface RefreshTokenRecord {
  readonly id: string;
  /** SHA-256 of the token; the token itself is never stored. */
  readonly hash: string;
  readonly sessionId: string;
  readonly clientId: string | null;
  readonly scope: readonly string[];
  readonly createdAt: Date;
  /** Sliding expiry: each rotation moves it forward, never past absoluteExpiresAt. */
  readonly expiresAt: Date;
  readonly absoluteExpiresAt: Date;
  readonly rotatedAt: Date | null;
  readonly replacedBy: string | null;
  readonly revokedAt: Date | null;
}
