export type AuditOutcome = 'success' | 'failure';

export type AuditEventType =
  | 'client.created'
  | 'client.updated'
  | 'client.secret_rotated'
  | 'client.revoked'
  | 'client.deleted'
  | 'scope.created'
  | 'scope.updated'
  | 'scope.deleted'
  | 'key.rotated'
  | 'token.revoked'
  | 'user.created'
  | 'user.updated'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.deleted'
  | 'user.password_set'
  | 'user.sessions_ended'
  | 'session.ended'
  | 'consent.withdrawn'
  | 'login.succeeded'
  | 'login.failed'
  | 'logout'
  | 'refresh.reuse_detected'
  | 'service_account.created'
  | 'service_account.token_issued'
  | 'service_account.token_revoked'
  | 'identity_provider.created'
  | 'identity_provider.updated'
  | 'identity_provider.deleted'
  | 'federated_identity.linked';

/** Who did what to whom, from where. Never holds a secret: details are ids and names only. */
export interface AuditEvent {
  readonly id: string;
  readonly occurredAt: Date;
  readonly type: AuditEventType;
  readonly outcome: AuditOutcome;
  /** Who acted: `user:<id>`, `client:<id>`, `service:<id>` or `cli`. */
  readonly actor: string | null;
  /** What was acted on, e.g. `client:<id>`. */
  readonly subject: string | null;
  readonly clientId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

export type AuditInput = Omit<
  AuditEvent,
  'id' | 'occurredAt' | 'outcome' | 'actor' | 'subject' | 'clientId' | 'ip' | 'userAgent' | 'details'
> &
  Partial<Pick<AuditEvent, 'outcome' | 'actor' | 'subject' | 'clientId' | 'ip' | 'userAgent' | 'details'>>;

export interface AuditStore {
  insert(event: AuditEvent): Promise<void>;
  /** Events after sequence `afterSeq`, oldest first. */
  listAfter(afterSeq: number, limit: number): Promise<Array<AuditEvent & { seq: number }>>;
  /** The newest `limit` events, oldest first. */
  tail(limit: number): Promise<Array<AuditEvent & { seq: number }>>;
  /** The events that match, newest first. */
  query(filter: AuditFilter): Promise<Array<AuditEvent & { seq: number }>>;
}

/** Which events an audit query returns; every given condition must hold. */
export interface AuditFilter {
  /** An exact type (`user.disabled`). */
  readonly type?: string;
  /** Types that start with this (`user.` for every user event). */
  readonly typePrefix?: string;
  readonly actor?: string;
  readonly subject?: string;
  /** Occurred at or after. */
  readonly since?: Date;
  /** Occurred before. */
  readonly until?: Date;
  /** Recorded before this sequence number: the cursor of the previous, newer page. */
  readonly beforeSeq?: number;
  readonly limit: number;
}
