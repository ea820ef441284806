/**
 * Where a pending authorization request (its verifier, nonce and state) waits for the callback:
 * anything shaped like `sessionStorage`, sync or async.
 */
export interface StateStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** `sessionStorage` in a browser tab (it survives the redirect, not the tab); a Map elsewhere. */
export function defaultStateStorage(): StateStorage {
  if (typeof sessionStorage !== 'undefined') return sessionStorage;
  const entries = new Map<string, string>();
  return {
    getItem: (key) => entries.get(key) ?? null,
    setItem: (key, value) => {
      entries.set(key, value);
    },
    removeItem: (key) => {
      entries.delete(key);
    },
  };
}

/** What `authorize()` keeps for `handleCallback()`, keyed by its state. */
export interface PendingAuthorization {
  readonly verifier: string;
  readonly nonce?: string;
  readonly redirectUri: string;
  readonly maxAge?: number;
  readonly openid: boolean;
}

export const pendingKey = (clientId: string, state: string) => `tessera:pkce:${clientId}:${state}`;

export function parsePending(value: string | null): PendingAuthorization | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<PendingAuthorization>;
    if (typeof parsed.verifier !== 'string' || typeof parsed.redirectUri !== 'string') return undefined;
    return {
      verifier: parsed.verifier,
      redirectUri: parsed.redirectUri,
      openid: parsed.openid === true,
      ...(typeof parsed.nonce === 'string' && { nonce: parsed.nonce }),
      ...(typeof parsed.maxAge === 'number' && { maxAge: parsed.maxAge }),
    };
  } catch {
    return undefined;
  }
}
