import type { Parser } from './parsers.js';

/**
 * One configuration setting: where it is read from, how it is checked, what it is when unset, and
 * how README describes it. `Earlier` is the settings declared before it, which a default may use.
 */
export interface Setting<K extends string, T, Earlier> {
  /** Environment variable, also the key in a TESSERA_CONFIG file. */
  readonly env: string;
  /** Field of Config. */
  readonly key: K;
  readonly parse: Parser<T>;
  /** The value when unset or empty: as is, or computed from earlier settings (and the project's root, for default paths). */
  readonly fallback: NoInfer<T> | ((earlier: Earlier, root: string) => NoInfer<T>);
  /** README's default column; leave it out when the default is a plain value, which is shown as is. */
  readonly shownDefault?: string;
  /** README's meaning column (Markdown). */
  readonly description: string;
}

/** A setting with its types forgotten, as the loader and the README renderer walk them. */
export type AnySetting = Setting<string, unknown, never>;

/**
 * The ordered list of settings. Each `add` extends the type of the values so far, so a default can
 * read earlier settings with their real types and Config is derived from the list (ConfigOf).
 */
export class SettingsTable<Values extends object> {
  readonly entries: readonly AnySetting[];

  constructor(entries: readonly AnySetting[]) {
    this.entries = entries;
  }

  /** Appends a setting; a Config key already taken fails to compile, an env name already taken throws. */
  add<K extends string, T>(
    setting: Setting<K, T, Values> & { key: K extends keyof Values ? never : K },
  ): SettingsTable<Values & { readonly [P in K]: T }> {
    if (this.entries.some((entry) => entry.env === setting.env)) {
      throw new Error(`setting ${setting.env} is declared twice`);
    }
    return new SettingsTable([...this.entries, setting]);
  }
}

export function settingsTable(): SettingsTable<object> {
  return new SettingsTable([]);
}

/** The values a table yields, flattened into one object type. */
export type ConfigOf<Table> =
  Table extends SettingsTable<infer Values> ? { readonly [P in keyof Values]: Values[P] } : never;
