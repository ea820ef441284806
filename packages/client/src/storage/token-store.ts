/** What a client keeps between calls (and, with a persistent store, between runs). */
export interface Tokens {
  readonly accessToken: string;
  /** Absent when the refresh token lives in Tessera's HttpOnly cookie instead (`refreshCookie: true`). */
  readonly refreshToken?: string;
  /** Epoch seconds: `expires_in` when the server sent it, else the JWT's `exp`. */
  readonly expiresAt?: number;
  readonly idToken?: string;
  readonly scope?: string;
}

/**
 * Where tokens live. Every method is async so that files, IndexedDB or a remote cache fit.
 *
 * `lock` is optional: a store that several clients share (two processes on one file, two
 * instances on one memory store) implements it so that their refreshes run one after another.
 * The client re-reads the store inside the lock, so the loser of a race uses the token the winner
 * just stored instead of presenting an already rotated refresh token.
 *
 * `watch` is optional too: a store that other processes change (the file store) calls `onChange`
 * when they do, so a client's `signedOut` and `refreshed` events reach it from there. It returns
 * the function that stops watching, and must not keep a process alive.
 */
export interface TokenStore {
  get(): Promise<Tokens | undefined>;
  set(tokens: Tokens): Promise<void>;
  clear(): Promise<void>;
  lock?<T>(section: () => Promise<T>): Promise<T>;
  watch?(onChange: () => void): () => void;
}

/** A stored value read back from JSON: accepted only with the shape the client wrote. */
export function parseTokens(value: unknown): Tokens | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { accessToken, refreshToken, expiresAt, idToken, scope } = value as Record<string, unknown>;
  if (typeof accessToken !== 'string') return undefined;
  return {
    accessToken,
    ...(typeof refreshToken === 'string' && { refreshToken }),
    ...(typeof expiresAt === 'number' && { expiresAt }),
    ...(typeof idToken === 'string' && { idToken }),
    ...(typeof scope === 'string' && { scope }),
  };
}
