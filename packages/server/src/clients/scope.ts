export interface Scope {
  readonly name: string;
  readonly description: string;
  /** User attributes this scope releases as claims (userinfo, ID token). */
  readonly claims: readonly string[];
  readonly builtIn: boolean;
  /** Only an administrator may put it on a client: users cannot take it on their API keys (SPEC). */
  readonly restricted: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The OpenID Connect scopes every installation has. */
export const builtInScopes: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'openid', description: 'Sign you in' },
  { name: 'profile', description: 'Read your name, username and picture' },
  { name: 'email', description: 'Read your email address' },
  { name: 'groups', description: 'Read the groups you belong to' },
  { name: 'offline_access', description: 'Stay signed in when you are away' },
];

/** RFC 6749 §3.3 scope-token: printable ASCII except space, double quote and backslash. */
const scopeToken = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function isValidScopeName(name: string): boolean {
  return name.length <= 128 && scopeToken.test(name);
}

/** Splits an RFC 6749 scope string into its distinct tokens. */
export function parseScope(value: string | undefined): string[] {
  if (value === undefined) return [];
  return [...new Set(value.split(' ').filter((s) => s !== ''))];
}
