import type { Clock } from '../platform/clock.js';
import { createSession, type Session, sessionIsLive } from './session.js';
import type { SessionStore, UserStore } from './stores.js';
import type { User } from './user.js';

interface BrowserSessionDeps {
  readonly sessions: SessionStore;
  readonly users: UserStore;
  readonly clock: Clock;
  /** Absolute end of a browser session (s). */
  readonly maxAge: number;
  /** A browser session unused this long (s) is over. */
  readonly idleTimeout: number;
}

/** The browser's sign-in sessions: no tokens of their own, named by the signed session cookie. */
export class BrowserSessions {
  readonly #deps: BrowserSessionDeps;

  constructor(deps: BrowserSessionDeps) {
    this.#deps = deps;
  }

  async open(
    user: User,
    amr: readonly string[],
    meta: { ip: string | null; userAgent: string | null },
  ): Promise<Session> {
    const { clock, maxAge, sessions } = this.#deps;
    const session = createSession(
      { user, kind: 'browser', clientId: null, amr, maxAge, ...meta },
      clock.now(),
    );
    await sessions.insert(session);
    return session;
  }

  /**
   * The live browser session with this id and its user, or undefined: ended, past its absolute
   * end, idle for longer than the idle timeout, or its user disabled. Using it marks it active.
   */
  async resume(id: string): Promise<{ session: Session; user: User } | undefined> {
    const { sessions, users, clock, idleTimeout } = this.#deps;
    const now = clock.now();
    const session = await sessions.findById(id);
    if (session === undefined || session.kind !== 'browser' || !sessionIsLive(session, now)) return undefined;
    if (now.getTime() - session.lastActiveAt.getTime() > idleTimeout * 1000) {
      await sessions.end(session.id, now, 'idle_timeout');
      return undefined;
    }
    const user = await users.findById(session.userId);
    if (user === undefined || user.disabled) return undefined;
    await sessions.touch(session.id, now);
    return { session, user };
  }
}
