export type UserKind = 'user' | 'service';

export interface User {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly firstName: string;
  readonly lastName: string;
  readonly isAdmin: boolean;
  readonly kind: UserKind;
  readonly disabled: boolean;
  readonly passwordHash: string | null;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Usernames are unique regardless of case. */
export function usernameKey(username: string): string {
  return username.normalize('NFC').toLowerCase();
}
