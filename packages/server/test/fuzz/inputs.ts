import type { Prng } from './prng.js';

/**
 * The catalogue of bad input: values (decoded strings and JSON values) and raw fragments (bytes
 * as they travel, before any decoding). Everything here comes from one PRNG stream.
 */

/** Decoded strings that have broken servers: control characters, odd Unicode, injection, keys. */
const nasty: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\r\n',
  'x\r\nSet-Cookie: a=b',
  '\t',
  '\u0001\u001f\u007f',
  '\u0085\u2028\u2029',
  '\ufeff',
  '\ud800',
  '\udfff\ud800',
  '\uffff\ufffe',
  '😀'.repeat(3),
  '\u202eevil',
  'Ａｄｍｉｎ',
  'alice ',
  ' alice',
  'ALICE',
  "' or 1=1 --",
  '%_%',
  '\\',
  '"',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9'.repeat(40),
  'true',
  '[]',
  '{}',
  'a.b.c',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.',
  'eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo',
  'Bearer',
  'https://evil.example/cb',
  'javascript:alert(1)',
  'http://[::1',
  'https://app.example/cb#frag',
  'https://app.example/cb?x=1',
  'https://APP.example/cb',
  'openid openid',
  'S256 plain',
  'plain',
  'code token',
];

const words = ['a', 'openid', 'code', 'admin', 'x', 'token', '=', '&', '%', '+', '#', '?', '/', ';', ','];

/** A decoded string: a valid value, mangled, or something from the catalogue. */
export function fuzzString(rng: Prng, valid: readonly string[]): string {
  const base = valid.length > 0 && rng.chance(0.6) ? rng.pick(valid) : rng.pick(nasty);
  switch (rng.int(0, 9)) {
    case 0:
    case 1:
      return base;
    case 2:
      return rng.pick(nasty);
    case 3:
      return `${base}${rng.pick(nasty)}`;
    case 4:
      return oversized(rng, base);
    case 5: {
      // One character swapped for a control character or an astral one.
      const at = rng.int(0, base.length);
      return (
        base.slice(0, at) +
        rng.pick(['\u0000', '\n', '\u001b', '\u007f', '\ud83d', '😀']) +
        base.slice(at + 1)
      );
    }
    case 6:
      return base.slice(0, rng.int(0, base.length));
    case 7:
      return Array.from({ length: rng.int(1, 8) }, () => rng.pick(words)).join(
        rng.pick([' ', '', '+', '%20']),
      );
    case 8:
      return randomText(rng, rng.int(1, 64));
    default:
      return base.toUpperCase();
  }
}

/** Longer than any bound: just past the usual limits, or far past them. */
export function oversized(rng: Prng, base: string): string {
  const length = rng.pick([129, 151, 257, 513, 2049, 4097, 8193, 20_000, 70_000]);
  const unit = base === '' ? 'a' : base;
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** Characters from every plane, control and private-use ones included. */
export function randomText(rng: Prng, length: number): string {
  let text = '';
  for (let i = 0; i < length; i += 1) {
    const range = rng.weighted<[number, number]>([
      [6, [0x20, 0x7e]],
      [2, [0x00, 0x1f]],
      [1, [0x80, 0xff]],
      [1, [0x100, 0xd7ff]],
      [1, [0xd800, 0xdfff]],
      [1, [0xe000, 0xffff]],
    ]);
    text += String.fromCharCode(rng.int(range[0], range[1]));
  }
  return text;
}

/** A JSON value where a string is expected: the string itself, or the wrong type. */
export function fuzzJsonValue(rng: Prng, valid: readonly string[], depth = 0): unknown {
  const choice = rng.weighted<string>([
    [10, 'string'],
    [1, 'number'],
    [1, 'boolean'],
    [1, 'null'],
    [2, 'array'],
    [1, 'object'],
  ]);
  switch (choice) {
    case 'number':
      return rng.pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2]);
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    case 'array':
      return depth > 2
        ? []
        : Array.from({ length: rng.int(0, 3) }, () => fuzzJsonValue(rng, valid, depth + 1));
    case 'object':
      return depth > 2 ? {} : { [fuzzString(rng, ['a'])]: fuzzJsonValue(rng, valid, depth + 1) };
    default:
      return fuzzString(rng, valid);
  }
}

/** Encoded fragments that decode badly: broken or overlong percent escapes, invalid UTF-8, raw bytes. */
const badEncodings: readonly string[] = [
  '%',
  '%%',
  '%2',
  '%zz',
  '%00',
  '%0d%0a',
  '%7f',
  '%C0%AF',
  '%C3%28',
  '%E2%82',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%FF%FE',
  '%u0041',
  '%25',
  '%2525',
  '\u00ff',
  '\u00c3',
  '\u0080',
  '+',
  ';',
  '&&',
  '=',
  '==',
  '#',
];

/** Percent-encodes a string's UTF-8 (unpaired surrogates become U+FFFD, as browsers send them). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `text` percent-encoded; damaged (a bad fragment spliced in, or raw bytes) with probability `damage`. */
export function encodeValue(rng: Prng, text: string, damage = 1 / 3): string {
  if (!rng.chance(damage)) return percentEncode(text);
  if (rng.chance(1 / 3)) return Buffer.from(text, 'utf8').toString('latin1');
  const encoded = percentEncode(text);
  const at = rng.int(0, encoded.length);
  return encoded.slice(0, at) + rng.pick(badEncodings) + encoded.slice(at);
}
