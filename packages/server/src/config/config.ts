import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import { projectRoot } from './project-root.js';
import type { AnySetting, ConfigOf } from './setting.js';
import { configFileSetting, settings } from './settings.js';

export { ConfigError } from './config-error.js';
export { configFileSetting, settings } from './settings.js';
export type { DatabaseConfig } from './url-parsers.js';

/** The validated, frozen configuration: one field per entry of `settings`. */
export type Config = ConfigOf<typeof settings>;

type Env = Readonly<Record<string, string | undefined>>;

const settingNames: ReadonlySet<string> = new Set(settings.entries.map((setting) => setting.env));

/**
 * Reads, validates and freezes the configuration. Throws ConfigError naming the first bad setting.
 * A relative path given in a setting is taken from `cwd`, as a shell would; the default paths from
 * the project's root (project-root.ts), so that every folder of a project shares one database.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const merged = settingValues(env, cwd);
  const root = projectRoot(cwd);
  const values: Record<string, unknown> = {};
  for (const setting of settings.entries) {
    const raw = merged[setting.env];
    const value =
      raw === undefined || raw === ''
        ? fallbackOf(setting, values, root)
        : setting.parse(raw, { setting: setting.env, cwd });
    values[setting.key] = typeof value === 'object' && value !== null ? Object.freeze(value) : value;
  }
  // Each entry of the table set its key, with the type its `add` gave Config.
  return Object.freeze(values) as Config;
}

/** Whether a setting was given (environment or TESSERA_CONFIG file) rather than left to its default. */
export function isSettingGiven(env: Env, cwd: string, name: string): boolean {
  const raw = settingValues(env, cwd)[name];
  return raw !== undefined && raw !== '';
}

/** The raw settings: the TESSERA_CONFIG file's, overridden by the environment's. */
function settingValues(env: Env, cwd: string): Env {
  return { ...readConfigFile(env[configFileSetting.env], cwd), ...definedOnly(env) };
}

function fallbackOf(setting: AnySetting, earlier: Readonly<Record<string, unknown>>, root: string): unknown {
  const { fallback } = setting;
  if (typeof fallback !== 'function') return fallback;
  // The table typed this function's argument as the settings before it, all of which are in `earlier`.
  return (fallback as (earlier: Readonly<Record<string, unknown>>, root: string) => unknown)(earlier, root);
}

function definedOnly(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

function readConfigFile(path: string | undefined, cwd: string): Env {
  const name = configFileSetting.env;
  if (path === undefined || path === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(resolve(cwd, path), 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new ConfigError(name, `${path} ${reason}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(name, `${path} must hold a JSON object of settings`);
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!settingNames.has(key)) throw new ConfigError(name, `${path} names unknown setting '${key}'`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ConfigError(key, `in ${path} must be a string, number or boolean`);
    }
    result[key] = String(value);
  }
  return result;
}
