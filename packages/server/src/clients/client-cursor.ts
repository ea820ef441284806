import { InvalidInputError } from '../platform/errors.js';
import type { Client } from './client.js';

/** Where a page of clients ends: the last client's creation time and id (the listing order). */
export interface ClientPosition {
  readonly createdAt: Date;
  readonly id: string;
}

/**
 * Cursors are opaque to callers (base64url of `<ms>.<id>`): the order may change later without
 * breaking anyone, and nobody builds one by hand.
 */
export function clientCursor(client: Client): string {
  return Buffer.from(`${client.createdAt.getTime()}.${client.id}`).toString('base64url');
}

export function clientPosition(cursor: string): ClientPosition {
  const decoded = /^[A-Za-z0-9_-]{1,256}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  const match = /^(\d{1,15})\.(.{1,200})$/.exec(decoded);
  if (match === null) throw new InvalidInputError('the cursor is not one a previous page returned');
  return { createdAt: new Date(Number(match[1])), id: match[2] as string };
}
