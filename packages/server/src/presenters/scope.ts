import type { Scope } from '../clients/scope.js';

/** A scope as the CLI prints it and the admin API returns it (one vocabulary, issue 16). */
export function scopeJson(scope: Scope) {
  return {
    name: scope.name,
    description: scope.description,
    claims: [...scope.claims],
    built_in: scope.builtIn,
    restricted: scope.restricted,
  };
}

/** The response schema of `scopeJson`: what is not listed here is never sent. */
export const scopeJsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    claims: { type: 'array', items: { type: 'string' } },
    built_in: { type: 'boolean' },
    restricted: { type: 'boolean' },
  },
  required: ['name', 'description', 'claims', 'built_in', 'restricted'],
  additionalProperties: false,
} as const;
