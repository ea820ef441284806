/** Which claim names a new account (SPEC: email as username; some providers prefer preferred_username). */
export type UsernameClaim = 'email' | 'preferred_username';

/** An upstream OpenID provider people may sign in with (SPEC "Federated sign-in providers"). */
export interface IdentityProvider {
  readonly id: string;
  readonly name: string;
  /** Compared exactly with discovery's `issuer` and every id_token's `iss`. */
  readonly issuer: string;
  readonly clientId: string;
  /** Encrypted under the master secret (secret-encryption.ts); null for a public client (PKCE only). */
  readonly encryptedClientSecret: string | null;
  /** Asked for in the browser flow; `openid` always among them. */
  readonly scopes: readonly string[];
  readonly usernameClaim: UsernameClaim;
  /** The claim that lists the person's groups upstream, or null: groups are then left alone. */
  readonly groupsClaim: string | null;
  /** Upstream group name → local group name. When not empty, groups it does not name are dropped. */
  readonly groupMap: Readonly<Record<string, string>>;
  /** Lower-case email domains allowed to sign in; empty allows any. */
  readonly allowedDomains: readonly string[];
  /** Just-in-time provisioning: an unknown identity gets a new account. Off: it is refused. */
  readonly provisioning: boolean;
  /** An unknown identity whose verified email matches one account is linked to it. */
  readonly linkByEmail: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface IdentityProviderStore {
  insert(provider: IdentityProvider): Promise<void>;
  update(provider: IdentityProvider): Promise<void>;
  delete(id: string): Promise<boolean>;
  findById(id: string): Promise<IdentityProvider | undefined>;
  list(): Promise<IdentityProvider[]>;
}

/** An upstream identity linked to an account: (issuer, subject) is the key, never the email. */
export interface FederatedIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly userId: string;
  /** The provider it last signed in through. */
  readonly providerId: string | null;
  /** The email the upstream last asserted (informational: it never decides the link). */
  readonly email: string | null;
  readonly createdAt: Date;
  readonly lastSignInAt: Date;
}

export interface FederatedIdentityStore {
  find(issuer: string, subject: string): Promise<FederatedIdentity | undefined>;
  insert(identity: FederatedIdentity): Promise<void>;
  recordSignIn(
    issuer: string,
    subject: string,
    at: Date,
    providerId: string,
    email: string | null,
  ): Promise<void>;
  listOfUser(userId: string): Promise<FederatedIdentity[]>;
  /** Ids of people (not service accounts) whose email is this one, any case. */
  peopleWithEmail(email: string): Promise<string[]>;
}

/** The replay guard: a token's hash is recorded once, until it expires. */
export interface IdTokenUseStore {
  /** False when the hash was recorded before (a replay). */
  record(tokenHash: string, expiresAt: Date): Promise<boolean>;
  deleteExpired(before: Date): Promise<number>;
}

/** A browser's trip to an upstream provider, waiting for the callback. */
export interface PendingFederatedSignIn {
  readonly stateHash: string;
  readonly providerId: string;
  /** The interaction (authorization request) to resume afterwards, or ''. */
  readonly interaction: string;
  readonly browserBinding: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface PendingFederatedSignInStore {
  insert(pending: PendingFederatedSignIn): Promise<void>;
  /** Removes and returns the live one with this state hash: each state is used once. */
  take(stateHash: string, now: Date): Promise<PendingFederatedSignIn | undefined>;
  deleteExpired(before: Date): Promise<number>;
}
