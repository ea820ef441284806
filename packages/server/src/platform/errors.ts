/**
 * Errors of management operations (CLI, admin API). Each surface turns them into its own
 * shape: the CLI prints the message, HTTP maps them to 400 / 404 / 409.
 */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}
