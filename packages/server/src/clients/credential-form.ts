/**
 * The form a client id and secret can have, checked before any lookup. Tessera's ids are UUIDs
 * (and the session API's `tessera`) and its secrets `tsk_` and 43 base64url characters
 * (client-secret.ts); RFC 6749 Appendix A allows only visible ASCII and space in either. So a
 * value longer than these bounds, or holding a control character, names no client: looking it up
 * would only cost a query, and PostgreSQL cannot even take U+0000 in text (error 22021).
 */
export const maxClientIdLength = 255;
export const maxClientSecretLength = 512;

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const controlCharacter = /[\u0000-\u001F\u007F]/;

export function isWellFormedClientId(value: string): boolean {
  return value.length > 0 && value.length <= maxClientIdLength && !controlCharacter.test(value);
}

export function isWellFormedClientSecret(value: string): boolean {
  return value.length <= maxClientSecretLength && !controlCharacter.test(value);
}
