import type { ServiceTokenRecord } from '../accounts/service-tokens.js';
import type { IssuedTokens } from '../accounts/session-tokens.js';
import type { User } from '../accounts/user.js';

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;

/** A service account as `service-account list` prints it and GET /admin/api/service-accounts returns it. */
export function serviceAccountJson(account: User) {
  return {
    id: account.id,
    name: account.username,
    scopes: [...account.scopes],
    permissions: [...account.permissions],
    disabled: account.disabled,
    created_at: account.createdAt.toISOString(),
  };
}

export const serviceAccountJsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    scopes: strings,
    permissions: strings,
    disabled: { type: 'boolean' },
    created_at: dateTime,
  },
  required: ['id', 'name', 'scopes', 'permissions', 'disabled', 'created_at'],
  additionalProperties: false,
} as const;

/** A token just issued (SPEC): its only showing, with the `jti` that revokes it. */
export function issuedServiceTokenJson(issued: IssuedTokens) {
  return {
    token: issued.accessToken.token,
    jti: issued.accessToken.jti,
    expires_at: new Date(issued.accessToken.expiresAt * 1000).toISOString(),
  };
}

export const issuedServiceTokenJsonSchema = {
  type: 'object',
  properties: { token: { type: 'string' }, jti: { type: 'string' }, expires_at: dateTime },
  required: ['token', 'jti', 'expires_at'],
  additionalProperties: false,
} as const;

/**
 * A token as listed: never its text (only its holder has it). `active` until it expires or its
 * session ends (revoked, the account disabled, its sessions ended).
 */
export function serviceTokenJson(token: ServiceTokenRecord, now: Date) {
  return {
    jti: token.jti,
    created_at: token.createdAt.toISOString(),
    expires_at: token.expiresAt.toISOString(),
    ended_at: token.endedAt?.toISOString() ?? null,
    end_reason: token.endReason,
    active: token.endedAt === null && token.expiresAt.getTime() > now.getTime(),
  };
}

export const serviceTokenJsonSchema = {
  type: 'object',
  properties: {
    jti: { type: 'string' },
    created_at: dateTime,
    expires_at: dateTime,
    ended_at: nullableDateTime,
    end_reason: { type: ['string', 'null'] },
    active: { type: 'boolean' },
  },
  required: ['jti', 'created_at', 'expires_at', 'ended_at', 'end_reason', 'active'],
  additionalProperties: false,
} as const;
