import type { FastifySchemaValidationError } from 'fastify';

/**
 * What is wrong with one parameter, in words, from the schema keyword it failed; the error
 * mappers put the parameter's name in front ("Parameter 'state' is too long …").
 */
export function parameterProblem(error: FastifySchemaValidationError): string {
  switch (error.keyword) {
    case 'type':
      return 'must be a string';
    case 'maxLength':
      return `is too long (at most ${String(error.params.limit)} characters)`;
    case 'pattern':
      return 'contains characters that are not allowed';
    default:
      return 'is invalid';
  }
}
