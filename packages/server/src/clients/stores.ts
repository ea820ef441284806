import type { Client, ClientSecret } from './client.js';
import type { Scope } from './scope.js';

/** What the client code needs from storage. Implemented in storage/repositories. */
export interface ClientStore {
  insert(client: Client): Promise<void>;
  update(client: Client): Promise<void>;
  findById(id: string): Promise<Client | undefined>;
  list(): Promise<Client[]>;
  insertSecret(secret: ClientSecret): Promise<void>;
  secretsOf(clientId: string): Promise<ClientSecret[]>;
  /** Ends every still-open secret of the client at `at` (rotation grace), except `keepId`. */
  expireSecrets(clientId: string, at: Date, keepId: string): Promise<void>;
}

export interface ScopeStore {
  insert(scope: Scope): Promise<void>;
  update(scope: Scope): Promise<void>;
  findByName(name: string): Promise<Scope | undefined>;
  list(): Promise<Scope[]>;
}
