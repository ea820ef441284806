import { randomBytes } from 'node:crypto';
import { mkdirSync, watch } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { TesseraError } from '../errors.js';
import { parseTokens, type TokenStore, type Tokens } from './token-store.js';

export type { TokenStore, Tokens } from './token-store.js';

export interface FileStoreOptions {
  /** Seconds after which a lock file left behind by a crashed process is broken; default 30. */
  readonly staleLockSeconds?: number;
  /** Most seconds to wait for another process's refresh; default 30. */
  readonly lockTimeoutSeconds?: number;
}

/**
 * Node only (`@tessera/client/file-store`): tokens in a JSON file for CLIs and servers that
 * "log in once, reuse across runs". The file is mode 0600 in a directory created 0700, and every
 * write goes to a temporary file that is renamed over the old one, so a reader never sees half a
 * file. `lock()` holds `<path>.lock` (created with O_EXCL), so processes sharing the file refresh
 * one at a time. `watch()` reports changes made by other processes (inotify / FSEvents through
 * fs.watch on the directory, since every write renames a new file into place).
 */
export function createFileStore(path: string, options: FileStoreOptions = {}): TokenStore {
  const staleMs = (options.staleLockSeconds ?? 30) * 1000;
  const timeoutMs = (options.lockTimeoutSeconds ?? 30) * 1000;
  if (!(staleMs > 0) || !(timeoutMs > 0)) throw new TypeError('createFileStore: lock durations must be > 0');
  const lockPath = `${path}.lock`;

  return {
    async get() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return undefined;
        throw error;
      }
      try {
        return parseTokens(JSON.parse(text));
      } catch {
        return undefined;
      }
    },
    async set(tokens: Tokens) {
      await writeAtomically(path, JSON.stringify(tokens));
    },
    async clear() {
      await rm(path, { force: true });
    },
    lock: (section) => withLockFile(lockPath, section, staleMs, timeoutMs),
    watch(onChange) {
      const directory = dirname(path);
      const name = basename(path);
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      // Not persistent: listening for a sign-out elsewhere must never keep a CLI from exiting.
      const watcher = watch(directory, { persistent: false }, (_event, filename) => {
        if (filename === name) onChange();
      });
      watcher.on('error', () => undefined);
      return () => watcher.close();
    },
  };
}

async function writeAtomically(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Runs `section` while holding `lockPath`. The file holds a random owner id, and only its owner
 * removes it; a lock older than `staleMs` belongs to a process that died mid-refresh and is broken.
 */
async function withLockFile<T>(
  lockPath: string,
  section: () => Promise<T>,
  staleMs: number,
  timeoutMs: number,
): Promise<T> {
  const owner = `${process.pid}:${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + timeoutMs;
  await mkdir(dirname(lockPath), { recursive: true, mode: 0o700 });
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(owner, 'utf8');
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    if (await isStale(lockPath, staleMs)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new TesseraError('LOCK_TIMEOUT', `timed out waiting for ${lockPath}`);
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
  }
  try {
    return await section();
  } finally {
    const current = await readFile(lockPath, 'utf8').catch(() => undefined);
    if (current === owner) await rm(lockPath, { force: true });
  }
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > staleMs;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}
