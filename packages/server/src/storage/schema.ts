import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table types for Kysely. Times are epoch milliseconds (bigint columns read back as numbers on
 * both dialects), booleans are 0/1 integers and lists are JSON text, so that one schema and one
 * set of queries serve SQLite and PostgreSQL alike.
 */
export interface Database {
  users: UsersTable;
  groups: GroupsTable;
  user_groups: UserGroupsTable;
  permissions: PermissionsTable;
  user_permissions: UserPermissionsTable;
  clients: ClientsTable;
  client_secrets: ClientSecretsTable;
  client_usage: ClientUsageTable;
  scopes: ScopesTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  authorization_codes: AuthorizationCodesTable;
  signing_keys: SigningKeysTable;
  revoked_tokens: RevokedTokensTable;
  audit_events: AuditEventsTable;
  consents: ConsentsTable;
  interactions: InteractionsTable;
  identity_providers: IdentityProvidersTable;
  federated_identities: FederatedIdentitiesTable;
  id_token_uses: IdTokenUsesTable;
  federated_sign_ins: FederatedSignInsTable;
}

/** Upstream OpenID providers (federated sign-in); the client secret is encrypted under the master secret. */
export interface IdentityProvidersTable {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  client_secret: string | null;
  scopes: string;
  username_claim: string;
  groups_claim: string | null;
  group_map: string;
  allowed_domains: string;
  provisioning: number;
  link_by_email: number;
  created_at: number;
  updated_at: number;
}

/** An upstream identity (issuer, subject) linked to one account. */
export interface FederatedIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  provider_id: string | null;
  email: string | null;
  created_at: number;
  last_sign_in_at: number;
}

/** Accepted upstream id_tokens (their hash) until they expire: the replay guard. */
export interface IdTokenUsesTable {
  token_hash: string;
  expires_at: number;
}

/** A browser's trip to an upstream provider in progress, under the hash of its `state`. */
export interface FederatedSignInsTable {
  state_hash: string;
  provider_id: string;
  /** The interaction (authorization request) it resumes, or ''. */
  interaction: string;
  browser_binding: string;
  nonce: string;
  code_verifier: string;
  created_at: number;
  expires_at: number;
}

export interface InteractionsTable {
  id_hash: string;
  /** The authorization request's parameters, as JSON. */
  params: string;
  browser_binding: string;
  created_at: number;
  expires_at: number;
  login_session_id: string | null;
  consented_user_id: string | null;
}

export interface ConsentsTable {
  user_id: string;
  client_id: string;
  scopes: string;
  granted_at: number;
}

export interface UsersTable {
  id: string;
  username: string;
  /** Lower-cased username: the unique key that makes usernames case-insensitive. */
  username_key: string;
  email: string | null;
  first_name: string;
  last_name: string;
  is_admin: number;
  kind: string;
  disabled: number;
  password_hash: string | null;
  attributes: string;
  scopes: string;
  created_at: number;
  updated_at: number;
}

export interface GroupsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface UserGroupsTable {
  user_id: string;
  group_id: string;
}

export interface PermissionsTable {
  name: string;
  description: string;
  created_at: number;
}

export interface UserPermissionsTable {
  user_id: string;
  permission: string;
}

export interface ClientsTable {
  id: string;
  name: string;
  /** 'personal' or 'api_key' (made in the self-service API), or null (registered by an administrator). */
  kind: string | null;
  type: string;
  grant_types: string;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  scopes: string;
  owner_user_id: string | null;
  access_token_ttl: number | null;
  refresh_token_ttl: number | null;
  first_party: number;
  /** 0/1: may introspect any token (RFC 7662 §4). */
  introspection: number;
  /** A tier name of TESSERA_RATE_LIMIT_TIERS, or null. */
  rate_limit_tier: string | null;
  /** Requests per minute on the token, revocation and introspection endpoints, or null. */
  rate_limit: number | null;
  id_token_signed_response_alg: string;
  created_at: number;
  updated_at: number;
  revoked_at: number | null;
}

export interface ClientSecretsTable {
  id: string;
  client_id: string;
  secret_hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  last_used_ip: string | null;
  last_used_user_agent: string | null;
}

/** Token requests per client per UTC day, added to in batches (clients/client-usage.ts). */
export interface ClientUsageTable {
  client_id: string;
  /** 'YYYY-MM-DD', UTC. */
  day: string;
  granted: number;
  refused: number;
}

export interface ScopesTable {
  name: string;
  description: string;
  claims: string;
  built_in: number;
  /** 0/1: only an administrator may put it on a client. */
  restricted: number;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  client_id: string | null;
  kind: string;
  auth_time: number;
  amr: string;
  created_at: number;
  last_active_at: number;
  expires_at: number;
  ended_at: number | null;
  end_reason: string | null;
  newest_access_jti: string | null;
  previous_access_jti: string | null;
  access_rotated_at: number | null;
  ip: string | null;
  user_agent: string | null;
}

export interface RefreshTokensTable {
  id: string;
  token_hash: string;
  session_id: string;
  client_id: string | null;
  scope: string;
  created_at: number;
  expires_at: number;
  absolute_expires_at: number;
  rotated_at: number | null;
  replaced_by: string | null;
  revoked_at: number | null;
}

export interface AuthorizationCodesTable {
  code_hash: string;
  client_id: string;
  user_id: string;
  session_id: string;
  redirect_uri: string;
  scope: string;
  code_challenge: string;
  nonce: string | null;
  auth_time: number;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  issued_session_id: string | null;
  claims: string | null;
  amr: string;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  use: string;
  public_jwk: string;
  private_key: string;
  status: string;
  created_at: number;
  retired_at: number | null;
  retain_until: number | null;
}

export interface RevokedTokensTable {
  jti: string;
  expires_at: number;
  revoked_at: number;
}

export interface AuditEventsTable {
  id: string;
  seq: Generated<number>;
  occurred_at: number;
  type: string;
  outcome: string;
  actor: string | null;
  subject: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: string;
}

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type AuthorizationCodeRow = Selectable<AuthorizationCodesTable>;
export type RefreshTokenRow = Selectable<RefreshTokensTable>;
export type ClientRow = Selectable<ClientsTable>;
export type NewClientRow = Insertable<ClientsTable>;
export type ClientUpdate = Updateable<ClientsTable>;
export type ClientSecretRow = Selectable<ClientSecretsTable>;
export type ScopeRow = Selectable<ScopesTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
