/** An issued authorization code; only the hash of the code itself is kept. */
export interface AuthorizationCode {
  readonly hash: string;
  readonly clientId: string;
  readonly userId: string;
  /** The browser session the user signed in with (the ID token's `sid`). */
  readonly sessionId: string;
  readonly redirectUri: string;
  readonly scope: readonly string[];
  readonly codeChallenge: string;
  readonly nonce: string | null;
  readonly authTime: Date;
  readonly amr: readonly string[];
  /** The OIDC `claims` request, as JSON text. */
  readonly claims: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly consumedAt: Date | null;
  /** The OAuth session its exchange opened: revoked if the code is used a second time. */
  readonly issuedSessionId: string | null;
}

export interface AuthorizationCodeStore {
  insert(code: AuthorizationCode): Promise<void>;
  findByHash(hash: string): Promise<AuthorizationCode | undefined>;
  /** Marks the code used, only if nobody did before; true when this call did. */
  markConsumed(hash: string, at: Date): Promise<boolean>;
  /** Records the session the exchange opened, unless a reuse was flagged first; true when recorded. */
  recordIssuedSession(hash: string, sessionId: string): Promise<boolean>;
  deleteExpired(before: Date): Promise<number>;
}

export interface Consent {
  readonly userId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly grantedAt: Date;
}

export interface ConsentStore {
  find(userId: string, clientId: string): Promise<Consent | undefined>;
  /** Records (or widens) what the user allowed the client. */
  save(consent: Consent): Promise<void>;
  /** Every consent of the user, with the client's name, in client-name order. */
  listOfUser(userId: string): Promise<Array<Consent & { readonly clientName: string }>>;
  /** Forgets what the user allowed the client; false when there was nothing. */
  delete(userId: string, clientId: string): Promise<boolean>;
}

/** An authorization request in progress through sign-in and consent (oauth/authorize/interactions.ts). */
export interface Interaction {
  /** SHA-256 of the opaque id the browser carries. */
  readonly idHash: string;
  /** The authorization request's parameters as the client sent them. */
  readonly params: Readonly<Record<string, string | readonly string[]>>;
  /** SHA-256 of the key of the browser that started it: no other browser can act on it. */
  readonly browserBinding: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** The browser session of a sign-in made during this interaction (satisfies prompt=login, max_age). */
  readonly loginSessionId: string | null;
  /** The user who allowed the request during this interaction (satisfies prompt=consent for them). */
  readonly consentedUserId: string | null;
}

export interface InteractionStore {
  insert(interaction: Interaction): Promise<void>;
  /** The interaction if it exists and has not expired at `now`. */
  find(idHash: string, now: Date): Promise<Interaction | undefined>;
  recordLogin(idHash: string, sessionId: string): Promise<void>;
  recordConsent(idHash: string, userId: string): Promise<void>;
  /** Removes it; true for the one caller that did (finishing is single-use). */
  delete(idHash: string): Promise<boolean>;
  deleteExpired(before: Date): Promise<number>;
}
