import { InvalidInputError } from '../platform/errors.js';
import type { AuditEvent, AuditFilter } from './audit-event.js';

/** What an admin asks of the audit log (GET /admin/api/audit-events): every condition given must hold. */
export interface AuditPageRequest {
  /** An exact type (`user.disabled`), or a family ending in `.*` (`user.*`). */
  readonly type?: string;
  /** `user:<id>`, `client:<id>`, `service:<id>` or `cli`. */
  readonly actor?: string;
  readonly subject?: string;
  readonly since?: Date;
  readonly until?: Date;
  /** The previous page's `nextCursor`. */
  readonly cursor?: string;
  /** 1 to 200; 50 if left out. */
  readonly limit?: number;
}

export interface AuditPage {
  readonly events: Array<AuditEvent & { seq: number }>;
  readonly nextCursor: string | undefined;
}

const defaultPageSize = 50;
const maxPageSize = 200;

/**
 * The store filter for one page, newest first. The cursor is the last sequence number of the
 * previous page, encoded: events are only ever appended, so a page never shifts under a reader.
 * Asks for one more event than the page holds, to know whether another page follows.
 */
export function auditFilter(request: AuditPageRequest): AuditFilter & { pageSize: number } {
  const { type, cursor, limit = defaultPageSize, ...rest } = request;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
    throw new InvalidInputError(`a page holds 1 to ${maxPageSize} events`);
  }
  if (rest.since !== undefined && rest.until !== undefined && rest.since >= rest.until) {
    throw new InvalidInputError('since must be before until');
  }
  const family = type?.endsWith('.*') === true ? type.slice(0, -1) : undefined;
  return {
    ...rest,
    ...(family !== undefined ? { typePrefix: family } : type !== undefined ? { type } : {}),
    beforeSeq: cursor === undefined ? undefined : seqOfCursor(cursor),
    limit: limit + 1,
    pageSize: limit,
  };
}

/** Cuts the store's answer to the page, with the cursor of the next page when there is one. */
export function auditPage(events: Array<AuditEvent & { seq: number }>, pageSize: number): AuditPage {
  const page = events.slice(0, pageSize);
  const last = page.at(-1);
  return {
    events: page,
    nextCursor:
      events.length > pageSize && last !== undefined
        ? Buffer.from(String(last.seq)).toString('base64url')
        : undefined,
  };
}

function seqOfCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[1-9][0-9]{0,15}$/.test(text) || Buffer.from(text).toString('base64url') !== cursor) {
    throw new InvalidInputError('the cursor is not one this server handed out');
  }
  return Number(text);
}
