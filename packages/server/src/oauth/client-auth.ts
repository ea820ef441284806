import type { Client } from '../clients/client.js';
import { secretIsValid } from '../clients/client.js';
import { type ClientDirectory, clientIsActive } from '../clients/client-directory.js';
import type { Clock } from '../platform/clock.js';
import { constantTimeEqual } from '../platform/constant-time.js';
import { hashSecret } from '../platform/secret-hash.js';
import { InvalidClient } from './errors.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** What the request claimed; the HTTP layer reads it from the Authorization header or the body. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly secret: string | undefined;
  readonly method: ClientAuthMethod;
}

/**
 * A known client presented a wrong secret: answered like any other `invalid_client`, but told apart
 * so that operators can count it (metrics' `bad_client_secret`).
 */
export class BadClientSecret extends InvalidClient {}

/** A client that proved itself, and the secret it used (null: a public client, which has none). */
export interface AuthenticatedClient {
  readonly client: Client;
  readonly secretId: string | null;
}

/**
 * RFC 6749 §2.3: confidential clients prove themselves with a secret, public clients (method
 * `none`) only name themselves. Every failure is the same `invalid_client`, so a caller learns
 * nothing about which part was wrong.
 */
export async function authenticateClient(
  credentials: ClientCredentials,
  directory: ClientDirectory,
  clock: Clock,
): Promise<AuthenticatedClient> {
  const entry = await directory.find(credentials.clientId);
  // Unknown, revoked, or its owner disabled: the same answer, before any secret is compared.
  if (!clientIsActive(entry)) throw new InvalidClient();
  const { client, secrets } = entry;

  if (client.type === 'public') {
    if (credentials.method !== 'none')
      throw new InvalidClient('public clients do not authenticate with a secret');
    return { client, secretId: null };
  }
  if (credentials.secret === undefined) throw new InvalidClient();

  const presented = hashSecret(credentials.secret);
  const now = clock.now();
  let matched: string | null = null;
  // Compare against every valid secret (the current one and its predecessor during a rotation
  // overlap) without stopping at the first match.
  for (const secret of secrets) {
    if (secretIsValid(secret, now) && constantTimeEqual(presented, secret.hash)) matched = secret.id;
  }
  if (matched === null) throw new BadClientSecret();
  return { client, secretId: matched };
}
