import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Config, ConfigError } from './config.js';

/** Creates the data directory (and the SQLite file's) if needed and checks they are writable. */
export function ensureWritableDataDirs(config: Config): void {
  checkDir(config.dataDir, 'TESSERA_DATA_DIR');
  if (config.database.kind === 'sqlite') checkDir(dirname(config.database.path), 'TESSERA_DATABASE_URL');
}

function checkDir(path: string, setting: string): void {
  try {
    mkdirSync(path, { recursive: true });
    accessSync(path, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(setting, `directory ${path} is not writable (${code})`);
  }
}
