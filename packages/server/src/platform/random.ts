import { randomBytes, randomUUID } from 'node:crypto';

/** 256 random bits, base64url: the shape of every bearer secret Tessera hands out. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Identifier for rows (users, sessions, audit events): a v4 UUID. */
export function randomId(): string {
  return randomUUID();
}
