import type { AuditStore } from '../audit/audit-event.js';
import type { RefreshTokenRecord, Session } from './session.js';
import type { User } from './user.js';

export interface UserStore {
  /** Inserts the user with its groups and permissions (creating unknown groups and permissions). */
  insert(user: User): Promise<void>;
  /** Updates the scalar fields, groups and permissions. */
  update(user: User): Promise<void>;
  delete(id: string): Promise<boolean>;
  findById(id: string): Promise<User | undefined>;
  findByUsername(username: string): Promise<User | undefined>;
  list(kind: User['kind']): Promise<User[]>;
  /** One page of users in username order (case-insensitive), after the username key `after`. */
  page(query: UserPageQuery): Promise<User[]>;
  /** Group or permission names held by at least one account, with how many hold each. */
  memberCounts(of: 'groups' | 'permissions'): Promise<Array<{ name: string; members: number }>>;
  /**
   * The ids of the enabled people who are administrators, their rows locked until the transaction
   * ends (PostgreSQL), so that two changes cannot each take away a different last one.
   */
  lockAdministrators(): Promise<string[]>;
}

export interface UserPageQuery {
  readonly kind?: User['kind'];
  /** Part of the username, email or name, any case. */
  readonly search?: string;
  /** The username key (user.ts usernameKey) of the previous page's last user. */
  readonly after?: string;
  readonly limit: number;
}

/** Which of a user's sessions `endAllOfUser` ends: all, those of one OAuth client, all but one. */
export interface SessionFilter {
  readonly clientId?: string;
  readonly exceptId?: string;
}

export interface SessionStore {
  insert(session: Session): Promise<void>;
  findById(id: string): Promise<Session | undefined>;
  /**
   * Reads the session and locks its row until the transaction ends: the first step of every
   * transaction that writes a session or its refresh tokens (the lock order: accounts/lock-order.ts).
   */
  lock(id: string): Promise<Session | undefined>;
  /** The session of the refresh token with this hash, read and locked like `lock`, in one statement. */
  lockByRefreshTokenHash(hash: string): Promise<Session | undefined>;
  /** Ends the session if still open; false when it was already ended. */
  end(id: string, at: Date, reason: string): Promise<boolean>;
  /**
   * Ends every open session of the user (or those the filter names), locking them in id order
   * first; returns their ids.
   */
  endAllOfUser(userId: string, at: Date, reason: string, filter?: SessionFilter): Promise<string[]>;
  /** The user's sessions, newest first: only those live at `liveAt` when given, else ended ones too. */
  listOfUser(userId: string, liveAt?: Date): Promise<Session[]>;
  /** Records the access token just issued as the session's newest; the one it replaces becomes the previous. */
  recordAccessToken(id: string, jti: string, at: Date): Promise<void>;
  /**
   * Makes `jti` the session's newest access token, only if `expectedNewest` still is (the
   * compare-and-set that settles two concurrent refreshes); true when this call did it.
   */
  rotateAccessToken(id: string, expectedNewest: string, jti: string, at: Date): Promise<boolean>;
  touch(id: string, at: Date): Promise<void>;
  deleteExpired(before: Date): Promise<number>;
  /** The latest end of any open session of this kind. */
  latestExpiry(kind: Session['kind']): Promise<Date | undefined>;
}

export interface RefreshTokenStore {
  insert(token: RefreshTokenRecord): Promise<void>;
  findByHash(hash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Marks the token rotated, only if nobody did before; true when this call did it. Callers hold
   * the session's lock (accounts/lock-order.ts); the condition is a second guard behind it.
   */
  markRotated(id: string, at: Date, replacedBy: string): Promise<boolean>;
  revokeSession(sessionId: string, at: Date): Promise<number>;
  deleteExpired(before: Date): Promise<number>;
}

/** The stores a session's lifecycle touches, bound to one transaction where it needs one. */
export interface SessionStores {
  readonly sessions: SessionStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly users: UserStore;
  readonly audit: AuditStore;
}
