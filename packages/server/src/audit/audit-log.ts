import type { Clock } from '../platform/clock.js';
import { randomId } from '../platform/random.js';
import type { AuditEvent, AuditInput, AuditStore } from './audit-event.js';
import { type AuditPage, type AuditPageRequest, auditFilter, auditPage } from './audit-query.js';

/** Turns an event description into a stored audit row. */
export function auditEvent(input: AuditInput, clock: Clock): AuditEvent {
  return {
    id: randomId(),
    occurredAt: clock.now(),
    outcome: 'success',
    actor: null,
    subject: null,
    clientId: null,
    ip: null,
    userAgent: null,
    details: {},
    ...input,
  };
}

export class AuditLog {
  readonly #store: AuditStore;
  readonly #clock: Clock;

  constructor(store: AuditStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  async record(input: AuditInput, store: AuditStore = this.#store): Promise<void> {
    await store.insert(auditEvent(input, this.#clock));
  }

  tail(limit: number) {
    return this.#store.tail(limit);
  }

  after(seq: number, limit: number) {
    return this.#store.listAfter(seq, limit);
  }

  /** One page of the events that match, newest first (audit-query.ts). */
  async page(request: AuditPageRequest): Promise<AuditPage> {
    const { pageSize, ...filter } = auditFilter(request);
    return auditPage(await this.#store.query(filter), pageSize);
  }
}
