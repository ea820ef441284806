import { InvalidInputError } from '../platform/errors.js';

export const minPasswordLength = 8;
/** argon2 takes any length; the cap keeps a login request from costing more than it should. */
export const maxPasswordBytes = 256;

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, username: string): string | undefined {
  if ([...password].length < minPasswordLength)
    return `the password must be at least ${minPasswordLength} characters`;
  if (Buffer.byteLength(password, 'utf8') > maxPasswordBytes)
    return `the password must be at most ${maxPasswordBytes} bytes`;
  if (password.normalize('NFC').toLowerCase() === username.normalize('NFC').toLowerCase()) {
    return 'the password must not be the username';
  }
  return undefined;
}

export function assertAcceptablePassword(password: string, username: string): void {
  const problem = passwordProblem(password, username);
  if (problem !== undefined) throw new InvalidInputError(problem);
}
