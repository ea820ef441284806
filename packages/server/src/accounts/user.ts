export type UserKind = 'user' | 'service';

export interface User {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly firstName: string;
  readonly lastName: string;
  readonly isAdmin: boolean;
  /** `service` for service accounts (robots); they have no password. */
  readonly kind: UserKind;
  readonly disabled: boolean;
  readonly passwordHash: string | null;
  /** Free-form attributes, released as claims by the scopes that name them. */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly groups: readonly string[];
  readonly permissions: readonly string[];
  /** Scopes a service account's tokens carry. Empty for people. */
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Usernames are unique regardless of case. */
export function usernameKey(username: string): string {
  return username.normalize('NFC').toLowerCase();
}

/** The `type` claim of a user's access tokens (SPEC "Tokens"). */
export function userType(user: User): 'user' | 'admin' | 'service' {
  if (user.kind === 'service') return 'service';
  return user.isAdmin ? 'admin' : 'user';
}
