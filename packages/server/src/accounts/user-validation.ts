import { InvalidInputError } from '../platform/errors.js';

/** Input rules for users and service accounts: names, emails, groups, permissions, attributes. */

/**
 * Fields of the session API's user object and the admin API's (presenters/user.ts), and those
 * SPEC adds for a federated sign-in (`oidc_issuer`, `oidc_subject`); a permission may not shadow
 * one (it becomes a boolean there). Nor may it be a name JavaScript objects inherit, which a
 * client reading the user object would trip on.
 */
const reservedNames = new Set([
  'id',
  'username',
  'email',
  'first_name',
  'last_name',
  'is_admin',
  'groups',
  'permissions',
  'type',
  'user_id',
  'is_service_account',
  'disabled',
  'attributes',
  'scopes',
  'created_at',
  'updated_at',
  'password',
  'oidc_issuer',
  'oidc_subject',
  '__proto__',
  'constructor',
  'prototype',
]);
const usernamePattern = /^[A-Za-z0-9_.@+-]{1,150}$/;
const permissionPattern = /^[A-Za-z_][A-Za-z0-9_:.-]{0,99}$/;
const attributePattern = /^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/;
const maxAttributesBytes = 16_384;
export function validUsername(value: string): string {
  const username = value.normalize('NFC');
  if (!usernamePattern.test(username)) {
    throw new InvalidInputError('a username is 1 to 150 letters, digits or the characters _ . @ + -');
  }
  return username;
}

export function validEmail(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  if (value.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(value))
    throw new InvalidInputError(`'${value}' is not an email address`);
  return value;
}

export function splitName(name: string | undefined): [string, string] {
  const trimmed = (name ?? '').trim();
  if (trimmed.length > 300) throw new InvalidInputError('a name is at most 300 characters');
  if (hasControlCharacter(trimmed)) throw new InvalidInputError('a name is one line of text');
  const space = trimmed.indexOf(' ');
  return space === -1 ? [trimmed, ''] : [trimmed.slice(0, space), trimmed.slice(space + 1).trim()];
}

/**
 * First and last name given apart (the HTTP API), or a full name split at its first space (the
 * CLI's --name); a part not given keeps `current`.
 */
export function resolveNames(
  input: { readonly name?: string; readonly firstName?: string; readonly lastName?: string },
  current: readonly [string, string] = ['', ''],
): [string, string] {
  if (input.firstName === undefined && input.lastName === undefined) {
    return input.name === undefined ? [current[0], current[1]] : splitName(input.name);
  }
  return [namePart(input.firstName) ?? current[0], namePart(input.lastName) ?? current[1]];
}

function namePart(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.length > 150) throw new InvalidInputError('a first or last name is at most 150 characters');
  if (hasControlCharacter(trimmed)) throw new InvalidInputError('a name is one line of text');
  return trimmed;
}

export function validGroups(groups: readonly string[]): string[] {
  for (const group of groups) {
    if (group.trim() === '' || group.length > 100 || hasControlCharacter(group)) {
      throw new InvalidInputError(`'${group}' is not a valid group name`);
    }
  }
  return [...new Set(groups)];
}

export function validPermissions(permissions: readonly string[]): string[] {
  for (const permission of permissions) {
    if (!permissionPattern.test(permission))
      throw new InvalidInputError(`'${permission}' is not a valid permission name`);
    if (reservedNames.has(permission)) {
      throw new InvalidInputError(
        `the permission '${permission}' would collide with the user field of that name`,
      );
    }
  }
  return [...new Set(permissions)];
}

export function mergeAttributes(
  existing: Readonly<Record<string, unknown>>,
  changes: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...existing };
  for (const [key, value] of Object.entries(changes)) {
    if (!attributePattern.test(key) || key === '__proto__' || key === 'constructor')
      throw new InvalidInputError(`'${key}' is not a valid attribute name`);
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  if (Buffer.byteLength(JSON.stringify(merged), 'utf8') > maxAttributesBytes) {
    throw new InvalidInputError(`attributes may take at most ${maxAttributesBytes} bytes of JSON`);
  }
  return merged;
}

export function hasControlCharacter(value: string): boolean {
  return [...value].some((c) => (c.codePointAt(0) ?? 0) < 0x20 || c === '\u007f');
}
