import type { Client, ClientKind, ClientSecret, SecretUse } from './client.js';
import type { Scope } from './scope.js';

/** What the client code needs from storage. Implemented in storage/repositories. */
export interface ClientStore {
  insert(client: Client): Promise<void>;
  update(client: Client): Promise<void>;
  findById(id: string): Promise<Client | undefined>;
  /** The client and whether its owner is disabled (one query: the client directory's cache miss). */
  findWithOwnerState(id: string): Promise<{ client: Client; ownerDisabled: boolean } | undefined>;
  /** Reads the client and locks its row until the transaction ends (PostgreSQL; SQLite has one writer). */
  lock(id: string): Promise<Client | undefined>;
  list(): Promise<Client[]>;
  /** The clients a user owns that are not revoked, oldest first. */
  listOwnedBy(userId: string): Promise<Client[]>;
  insertSecret(secret: ClientSecret): Promise<void>;
  /** The client's secrets, oldest first, with their last use. */
  secretsOf(clientId: string): Promise<ClientSecret[]>;
  /** Makes the secret end at `at`, unless it ends sooner already. */
  endSecret(secretId: string, at: Date): Promise<void>;
  /** Records a use of the secret, unless a later one is recorded already. */
  recordSecretUse(secretId: string, use: SecretUse): Promise<void>;
  /** One page of clients in creation order, after the previous page's last client. */
  page(query: ClientPageQuery): Promise<Client[]>;
  /**
   * Removes the client with everything issued to it: secrets, the sessions opened for it, refresh
   * tokens, unexchanged codes and consents. False when there was no such client.
   */
  delete(id: string): Promise<boolean>;
}

export interface ClientPageQuery {
  /** Part of the client's name or id, any case. */
  readonly search?: string;
  readonly ownerUserId?: string;
  /** A kind, or null for the clients an administrator registered. */
  readonly kind?: ClientKind | null;
  /** The previous page's last client. */
  readonly after?: { readonly createdAt: Date; readonly id: string };
  readonly limit: number;
}

export interface ScopeStore {
  insert(scope: Scope): Promise<void>;
  update(scope: Scope): Promise<void>;
  findByName(name: string): Promise<Scope | undefined>;
  list(): Promise<Scope[]>;
  /** False when there was no such scope. */
  delete(name: string): Promise<boolean>;
  /** Who still names the scope: client ids and service-account usernames. */
  holders(name: string): Promise<ScopeHolders>;
}

export interface ScopeHolders {
  readonly clients: readonly string[];
  readonly serviceAccounts: readonly string[];
}

/** A day of one client's token requests: what a flush adds, and what a query returns. */
export interface UsageCount {
  readonly clientId: string;
  /** 'YYYY-MM-DD', UTC. */
  readonly day: string;
  readonly granted: number;
  readonly refused: number;
}

/** Token requests per client per UTC day (client-usage.ts writes them in batches). */
export interface ClientUsageStore {
  /** Adds each count to its client's day, creating the day as needed. */
  add(counts: readonly UsageCount[]): Promise<void>;
  /** The client's days from `from` to `to` (inclusive, 'YYYY-MM-DD') that have any count. */
  daysOf(clientId: string, from: string, to: string): Promise<UsageCount[]>;
  /** Forgets the days before `day`; returns how many rows went. */
  deleteBefore(day: string): Promise<number>;
}
