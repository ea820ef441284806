import type { Session } from '../accounts/session.js';

/**
 * A session as the admin and self-service APIs list it: where and when it was opened, its last
 * activity and its end. Never a token or a token id: a session's `id` is what ends it.
 */
export function sessionJson(session: Session) {
  return {
    id: session.id,
    kind: session.kind,
    client_id: session.clientId,
    created_at: session.createdAt.toISOString(),
    last_active_at: session.lastActiveAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    auth_time: session.authTime.toISOString(),
    amr: [...session.amr],
    ip: session.ip,
    user_agent: session.userAgent,
    ended_at: session.endedAt?.toISOString() ?? null,
    end_reason: session.endReason,
  };
}

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableString = { type: ['string', 'null'] } as const;

export const sessionJsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: {
      type: 'string',
      enum: ['api', 'oauth', 'browser', 'service'],
      description:
        "api: the session API; oauth: an OAuth client's grant; browser: the sign-in cookie; " +
        'service: a service-account token',
    },
    client_id: nullableString,
    created_at: dateTime,
    last_active_at: dateTime,
    expires_at: dateTime,
    auth_time: dateTime,
    amr: { type: 'array', items: { type: 'string' } },
    ip: nullableString,
    user_agent: nullableString,
    ended_at: { type: ['string', 'null'], format: 'date-time' },
    end_reason: nullableString,
  },
  required: [
    'id',
    'kind',
    'client_id',
    'created_at',
    'last_active_at',
    'expires_at',
    'auth_time',
    'amr',
    'ip',
    'user_agent',
    'ended_at',
    'end_reason',
  ],
  additionalProperties: false,
} as const;
