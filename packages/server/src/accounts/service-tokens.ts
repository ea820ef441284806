import type { Actor } from '../audit/actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { NotFoundError } from '../platform/errors.js';
import type { RevocationList } from '../tokens/revocation-list.js';
import type { SessionService } from './sessions.js';

/** A service-account token as its session knows it: each such token has a session of its own. */
export interface ServiceTokenRecord {
  readonly jti: string;
  readonly sessionId: string;
  readonly accountId: string;
  /** The session's end, which is the token's expiry (the session lasts exactly the token's lifetime). */
  readonly expiresAt: Date;
  readonly createdAt: Date;
  readonly endedAt: Date | null;
  /** Why its session ended: `token_revoked`, `account_disabled`, … */
  readonly endReason: string | null;
}

export interface ServiceTokenStore {
  /** The service-account token with this `jti`, if one was issued. */
  findByJti(jti: string): Promise<ServiceTokenRecord | undefined>;
  /** The account's tokens, newest first (ended ones until their sessions are purged). */
  listOfAccount(accountId: string): Promise<ServiceTokenRecord[]>;
}

interface ServiceTokenDeps {
  readonly store: ServiceTokenStore;
  readonly sessions: SessionService;
  readonly revocations: RevocationList;
  readonly audit: AuditLog;
}

/** Listing a service account's tokens, and revoking one without disabling the account. */
export class ServiceTokens {
  readonly #deps: ServiceTokenDeps;

  constructor(deps: ServiceTokenDeps) {
    this.#deps = deps;
  }

  listOfAccount(accountId: string): Promise<ServiceTokenRecord[]> {
    return this.#deps.store.listOfAccount(accountId);
  }

  async revoke(jti: string, by: Actor): Promise<ServiceTokenRecord> {
    const { store, sessions, revocations, audit } = this.#deps;
    const token = await store.findByJti(jti);
    if (token === undefined) throw new NotFoundError(`no service-account token has the jti '${jti}'`);
    // The revocation list is what every instance checks (through Redis when configured) on each
    // request; ending the session as well shows the token as ended wherever sessions are listed.
    await revocations.revoke(jti, token.expiresAt);
    await sessions.end(token.sessionId, 'token_revoked');
    await audit.record({
      type: 'service_account.token_revoked',
      ...by,
      subject: `service:${token.accountId}`,
      details: { jti, session_id: token.sessionId },
    });
    return token;
  }
}
