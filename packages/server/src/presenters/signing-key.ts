import type { StoredSigningKey } from '../keys/signing-key.js';

/** A signing key as `keys list` prints it and GET /admin/api/keys returns it: never the private half. */
export function signingKeyJson(key: StoredSigningKey) {
  return {
    kid: key.kid,
    alg: key.alg,
    use: key.use,
    status: key.status,
    created_at: key.createdAt.toISOString(),
    retired_at: key.retiredAt?.toISOString() ?? null,
    published_until: key.retainUntil?.toISOString() ?? null,
  };
}

/**
 * A rotation's outcome (`keys rotate`, POST /admin/api/keys/rotate): the new keys, and when they
 * start signing (`delaySeconds` after they were made: KeyManager.activationDelaySeconds).
 */
export function keyRotationJson(created: readonly StoredSigningKey[], delaySeconds: number) {
  const madeAt = created[0]?.createdAt.getTime() ?? Date.now();
  return {
    rotated: created.map(signingKeyJson),
    signs_from: new Date(madeAt + delaySeconds * 1000).toISOString(),
  };
}

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const signingKeyJsonSchema = {
  type: 'object',
  properties: {
    kid: { type: 'string' },
    alg: { type: 'string' },
    use: { type: 'string', enum: ['access', 'id'] },
    status: { type: 'string', enum: ['active', 'retired'] },
    created_at: dateTime,
    retired_at: { ...nullableDateTime, description: 'When it stops (or stopped) signing' },
    published_until: { ...nullableDateTime, description: 'A retired key stays in the JWKS until then' },
  },
  required: ['kid', 'alg', 'use', 'status', 'created_at', 'retired_at', 'published_until'],
  additionalProperties: false,
} as const;

export const keyRotationJsonSchema = {
  type: 'object',
  properties: {
    rotated: { type: 'array', items: signingKeyJsonSchema },
    signs_from: {
      ...dateTime,
      description: 'The new keys are published now and sign from then, so no verifier meets an unknown kid',
    },
  },
  required: ['rotated', 'signs_from'],
  additionalProperties: false,
} as const;
