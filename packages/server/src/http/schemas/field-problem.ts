import type { FastifySchemaValidationError } from 'fastify';
import { parameterProblem } from './validation-problem.js';

/**
 * What is wrong with one field of a JSON body or query, in words: the session envelope's
 * counterpart of parameterProblem, for fields that are not all strings (the admin and
 * self-service APIs' numbers, booleans, lists and enumerations).
 */
export function fieldProblem(error: FastifySchemaValidationError): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be ${String(params.type).split(',').map(typeWords).join(' or ')}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'minimum':
      return `must be at least ${String(params.limit)}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}`;
    case 'maxItems':
      return `has too many items (at most ${String(params.limit)})`;
    default:
      return parameterProblem(error);
  }
}

function typeWords(type: string): string {
  if (type === 'null') return 'null';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
