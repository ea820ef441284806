import { resolve } from 'node:path';
import { ConfigError } from './config-error.js';

/** What a parser knows besides the raw value: the setting's name for errors, and where relative paths start. */
export interface ParseContext {
  readonly setting: string;
  readonly cwd: string;
}

/** Turns a set, non-empty value into the setting's typed value, or throws ConfigError naming the setting. */
export type Parser<T> = (raw: string, context: ParseContext) => T;

/** Taken as written. */
export const text: Parser<string> = (raw) => raw;

/** A whole number in [min, max]; no sign, no fraction, no spaces. */
export function integer(min: number, max: number): Parser<number> {
  return (raw, { setting }) => {
    if (!/^\d+$/.test(raw)) throw new ConfigError(setting, `'${raw}' is not a whole number`);
    const value = Number(raw);
    if (value < min || value > max) throw new ConfigError(setting, `${value} is outside ${min}–${max}`);
    return value;
  };
}

/** `true`/`1` or `false`/`0`: the forms a JSON config file's booleans and shell habits produce. */
export const boolean: Parser<boolean> = (raw, { setting }) => {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(setting, `'${raw}' is not true or false`);
};

/** One of a fixed list; `complaint` words the error when the value is not in it. */
export function oneOf<const T extends string>(
  values: readonly T[],
  complaint: (raw: string, list: string) => string = (raw, list) => `'${raw}' is not one of ${list}`,
): Parser<T> {
  return (raw, { setting }) => {
    const found = values.find((value) => value === raw);
    if (found === undefined) throw new ConfigError(setting, complaint(raw, values.join(', ')));
    return found;
  };
}

/** A secret of at least `minLength` characters; the error never repeats the value. */
export function secretText(minLength: number): Parser<string> {
  return (raw, { setting }) => {
    if (raw.length < minLength) {
      throw new ConfigError(
        setting,
        `must be at least ${minLength} characters (use \`openssl rand -base64 ${minLength}\`)`,
      );
    }
    return raw;
  };
}

/** A directory, made absolute against the working directory. */
export const directory: Parser<string> = (raw, { cwd }) => resolve(cwd, raw);

/** For a setting that may stay unset: its value is then undefined (its default says so). */
export function optional<T>(parse: Parser<T>): Parser<T | undefined> {
  return parse;
}

/** A comma-separated list of secrets, each of at least `minLength` characters; errors never repeat one. */
export function secretList(minLength: number): Parser<readonly string[]> {
  const one = secretText(minLength);
  return (raw, context) =>
    Object.freeze(
      raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .map((part) => one(part, context)),
    );
}
