import { parseTokens, type TokenStore, type Tokens } from './token-store.js';

export interface IndexedDbStoreOptions {
  /** IndexedDB database name; default `tessera`. */
  readonly databaseName?: string;
  /** Record name inside it, so several sessions can share one database; default `tokens`. */
  readonly name?: string;
}

interface Sealed {
  readonly iv: Uint8Array<ArrayBuffer>;
  readonly data: ArrayBuffer;
}

const objectStore = 'tokens';

/**
 * Browser store that survives reloads without plain-text tokens at rest: the tokens are
 * AES-GCM-encrypted with a non-extractable WebCrypto key that is itself kept in IndexedDB (a
 * CryptoKey is stored as an opaque handle; its bytes can never be read by script or copied out of
 * the profile as text). What it protects: a token scraped from storage dumps, backups, or
 * extensions that read localStorage. What it does not: script running in the page (XSS) can still
 * call this store. For that, prefer `refreshCookie: true` on the session client, where the
 * refresh token stays in an HttpOnly cookie.
 */
export function createIndexedDbStore(options: IndexedDbStoreOptions = {}): TokenStore {
  const databaseName = options.databaseName ?? 'tessera';
  const name = options.name ?? 'tokens';
  const keyName = `${name}:key`;
  let database: Promise<IDBDatabase> | undefined;

  function open(): Promise<IDBDatabase> {
    database ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(databaseName, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(objectStore);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    database.catch(() => {
      database = undefined;
    });
    return database;
  }

  async function run<T>(
    mode: IDBTransactionMode,
    operation: (records: IDBObjectStore) => IDBRequest<T>,
  ): Promise<T> {
    const transaction = (await open()).transaction(objectStore, mode);
    const request = operation(transaction.objectStore(objectStore));
    return new Promise<T>((resolve, reject) => {
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error ?? request.error);
      transaction.onabort = () => reject(transaction.error ?? request.error);
    });
  }

  /** The key, created on first use; `add` fails if another tab created one first, and then we use theirs. */
  async function key(): Promise<CryptoKey> {
    const existing = await run<CryptoKey | undefined>('readonly', (records) => records.get(keyName));
    if (existing !== undefined) return existing;
    const created = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    try {
      await run('readwrite', (records) => records.add(created, keyName));
      return created;
    } catch {
      return run<CryptoKey>('readonly', (records) => records.get(keyName));
    }
  }

  return {
    async get() {
      const sealed = await run<Sealed | undefined>('readonly', (records) => records.get(name));
      if (sealed === undefined) return undefined;
      try {
        const plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: sealed.iv },
          await key(),
          sealed.data,
        );
        return parseTokens(JSON.parse(new TextDecoder().decode(plain)));
      } catch {
        // Sealed under a key that is gone (site data partly cleared): nothing usable is stored.
        return undefined;
      }
    },
    async set(tokens: Tokens) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv },
        await key(),
        new TextEncoder().encode(JSON.stringify(tokens)),
      );
      const sealed: Sealed = { iv, data };
      await run('readwrite', (records) => records.put(sealed, name));
    },
    async clear() {
      await run('readwrite', (records) => records.delete(name));
    },
  };
}
