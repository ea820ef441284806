import { InvalidInputError } from '../platform/errors.js';
import { type User, usernameKey } from './user.js';

/*
 * The cursor of a page of users: base64url of the last username key of the previous page. Users
 * are listed in username-key order, which is unique and never changes (usernames cannot be
 * renamed), so a cursor stays valid whatever is added or removed between two pages.
 */

export function userCursor(user: User): string {
  return Buffer.from(usernameKey(user.username), 'utf8').toString('base64url');
}

/** The username key a cursor stands for; a 400 for anything this server did not hand out. */
export function usernameKeyOfCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key === '' || Buffer.from(key, 'utf8').toString('base64url') !== cursor) {
    throw new InvalidInputError('the cursor is not one this server handed out');
  }
  return key;
}
