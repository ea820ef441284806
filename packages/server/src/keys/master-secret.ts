import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from '../platform/random.js';

export interface MasterSecret {
  readonly value: string;
  /** Where it came from, for the start-up message. */
  readonly source: 'TESSERA_SECRET' | 'created' | 'file';
  readonly path: string | undefined;
}

/**
 * The secret that encrypts private keys: TESSERA_SECRET when set; otherwise a file in the data
 * directory, created on first start with mode 0600 (exclusive create, so two processes starting
 * at once cannot both write one).
 */
export function loadMasterSecret(configured: string | undefined, dataDir: string): MasterSecret {
  if (configured !== undefined) return { value: configured, source: 'TESSERA_SECRET', path: undefined };
  const path = join(dataDir, 'secret');
  mkdirSync(dataDir, { recursive: true });
  try {
    const fd = openSync(path, 'wx', 0o600);
    const value = randomToken(32);
    writeSync(fd, `${value}\n`);
    closeSync(fd);
    return { value, source: 'created', path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const value = readFileSync(path, 'utf8').trim();
  if (value.length < 32) throw new Error(`${path} holds no usable secret (expected at least 32 characters)`);
  if ((statSync(path).mode & 0o077) !== 0) {
    process.emitWarning(`${path} is readable by other users; run: chmod 600 ${path}`);
  }
  return { value, source: 'file', path };
}
